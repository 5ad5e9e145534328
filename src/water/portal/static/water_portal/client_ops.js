/* Staff workspace charts: bar charts of daily water use, drawn from <script type="application/json">
   data next to a [data-ops-chart] box. The page shows the same figures in a table without it. */
(function () {
  "use strict";

  function draw(box) {
    var source = document.getElementById(box.getAttribute("data-ops-chart"));
    var canvas = box.querySelector("canvas");
    if (!source || !canvas || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var m3 = box.getAttribute("data-unit") === "m³";
    var values = data.litres.map(function (litres) {
      return m3 ? litres / 1000 : litres;
    });
    var language = document.documentElement.lang || "en";
    var dayFormat = new Intl.DateTimeFormat(language, { day: "numeric", month: "short" });
    var labels = data.labels.map(function (iso) {
      var parts = iso.split("-");
      return dayFormat.format(new Date(Number(parts[0]), Number(parts[1]) - 1, Number(parts[2])));
    });
    var style = getComputedStyle(document.documentElement);
    var colour = style.getPropertyValue("--water").trim() || "#0a75b5";
    box.classList.add("is-drawn");
    // The table stays open for browsers without scripts; with the chart drawn it folds away.
    var table = box.parentNode.querySelector(".ops-table-toggle");
    if (table) {
      table.open = false;
    }
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: labels,
        datasets: [
          {
            label: box.getAttribute("data-label") || "",
            data: values,
            backgroundColor: colour,
            borderRadius: 3,
            maxBarThickness: 22,
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false } },
        scales: {
          x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 12 } },
          y: { beginAtZero: true, ticks: { precision: m3 ? undefined : 0 } },
        },
      },
    });
  }

  function start() {
    document.querySelectorAll("[data-ops-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
