/* Measurement charts: draws each <canvas data-measure-chart="KEY"> from the JSON block
 * #measurement-charts (written by Django's json_script, so no inline script runs and the
 * Content-Security-Policy stays strict). Needs the vendored Chart.js UMD build first. */
(function () {
    "use strict";

    var COLORS = ["#0d6efd", "#dc3545", "#198754", "#fd7e14", "#6f42c1", "#20c997"];

    function draw() {
        var source = document.getElementById("measurement-charts");
        if (!source || typeof window.Chart === "undefined") {
            return;
        }
        var charts = JSON.parse(source.textContent);
        document.querySelectorAll("canvas[data-measure-chart]").forEach(function (canvas) {
            var spec = charts[canvas.dataset.measureChart];
            if (!spec || canvas.dataset.drawn) {
                return;
            }
            canvas.dataset.drawn = "1";
            new window.Chart(canvas, {
                type: spec.datasets.length > 2 ? "bar" : "line",
                data: {
                    labels: spec.labels,
                    datasets: spec.datasets.map(function (set, i) {
                        return {
                            label: set.label,
                            data: set.data,
                            borderColor: COLORS[i % COLORS.length],
                            backgroundColor: COLORS[i % COLORS.length],
                            spanGaps: false
                        };
                    })
                },
                options: {
                    animation: false,
                    aspectRatio: 3,
                    scales: {y: {beginAtZero: true}},
                    plugins: {legend: {position: "bottom"}}
                }
            });
        });
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", draw);
    } else {
        draw();
    }
}());
