// The usage page's bar chart: litres per bucket, read from the #usage-data JSON element.
// The table under the chart shows the same numbers without JavaScript.
(function () {
  "use strict";

  function draw() {
    var canvas = document.getElementById("usage-chart");
    var source = document.getElementById("usage-data");
    if (!canvas || !source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var styles = getComputedStyle(document.documentElement);
    var water = styles.getPropertyValue("--water").trim() || "#0a75b5";
    var muted = styles.getPropertyValue("--muted").trim() || "#5b6b80";
    var line = styles.getPropertyValue("--line").trim() || "#dde4ee";
    var number = new Intl.NumberFormat(document.documentElement.lang || undefined);
    canvas.closest(".my-chart").classList.add("is-drawn");
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          {
            label: canvas.getAttribute("data-label") || "Litres",
            data: data.litres,
            backgroundColor: water,
            borderRadius: 4,
            maxBarThickness: 36,
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: function (item) {
                return number.format(item.parsed.y) + " L";
              },
            },
          },
        },
        scales: {
          x: { grid: { display: false }, ticks: { color: muted, maxRotation: 0, autoSkip: true } },
          y: {
            beginAtZero: true,
            grid: { color: line },
            ticks: { color: muted, callback: function (value) { return number.format(value); } },
          },
        },
      },
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
