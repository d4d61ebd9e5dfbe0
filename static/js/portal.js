/*
 * The portal's own behaviour. The Content-Security-Policy allows no inline script and no
 * inline style: pages carry data-* attributes, and this file (loaded after htmx on every
 * page) acts on them, on the first load and on every fragment htmx swaps in.
 *
 *   data-copy-target="ID"     a button that copies the text of element ID to the clipboard,
 *   data-copied-label="..."   then shows this label.
 *   data-progress="N"         a Bootstrap progress bar whose width is N percent.
 */
(function () {
    "use strict";

    function initCopyButtons(root) {
        root.querySelectorAll("[data-copy-target]").forEach(function (button) {
            if (button.dataset.copyReady) {
                return;
            }
            button.dataset.copyReady = "1";
            button.addEventListener("click", function () {
                var source = document.getElementById(button.dataset.copyTarget);
                if (!source || !navigator.clipboard) {
                    return;
                }
                navigator.clipboard.writeText(source.textContent.trim()).then(function () {
                    if (button.dataset.copiedLabel) {
                        button.textContent = button.dataset.copiedLabel;
                    }
                });
            });
        });
    }

    function initProgressBars(root) {
        root.querySelectorAll("[data-progress]").forEach(function (bar) {
            var percent = Math.max(0, Math.min(100, parseFloat(bar.dataset.progress) || 0));
            // Setting a style property from script is allowed by the policy; a style=""
            // attribute in the markup is not.
            bar.style.width = percent + "%";
        });
    }

    function init(root) {
        initCopyButtons(root);
        initProgressBars(root);
    }

    if (window.htmx) {
        // htmx.onLoad runs for the page once it is loaded and for every swapped fragment.
        window.htmx.onLoad(init);
    } else if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", function () { init(document); });
    } else {
        init(document);
    }
})();
