/*
 * Split rows (conflict resolution, upheld disputes): the "Add a row" button clones the
 * formset's empty row from <template id="PREFIX-empty-row"> and counts it in
 * PREFIX-TOTAL_FORMS. Without JavaScript the page shows enough empty rows and the button
 * stays hidden.
 */
(function () {
    "use strict";

    function addRow(prefix) {
        var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
        var template = document.getElementById(prefix + "-empty-row");
        var body = document.querySelector('[data-formset-body="' + prefix + '"]');
        if (!total || !template || !body) {
            return;
        }
        var index = parseInt(total.value, 10) || 0;
        var max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
        if (max && index >= parseInt(max.value, 10)) {
            return;
        }
        var html = template.innerHTML.replace(/__prefix__/g, String(index));
        body.insertAdjacentHTML("beforeend", html);
        total.value = String(index + 1);
    }

    function init() {
        document.querySelectorAll("[data-formset-add]").forEach(function (button) {
            button.hidden = false;
            button.addEventListener("click", function () {
                addRow(button.dataset.formsetAdd);
            });
        });
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", init);
    } else {
        init();
    }
})();
