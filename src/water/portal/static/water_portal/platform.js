// The platform overview's bar chart: this month's top-ups per water authority, read from the
// #platform-topups JSON element. The table on the page shows the same figures without it.
(function () {
  "use strict";

  function draw() {
    var box = document.querySelector("[data-platform-chart]");
    var source = document.getElementById("platform-topups");
    if (!box || !source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var canvas = box.querySelector("canvas");
    var styles = getComputedStyle(document.documentElement);
    var water = styles.getPropertyValue("--water").trim() || "#0a75b5";
    var muted = styles.getPropertyValue("--muted").trim() || "#5b6b80";
    var line = styles.getPropertyValue("--line").trim() || "#dde4ee";
    var lang = document.documentElement.lang || undefined;
    var money = new Intl.NumberFormat(lang, {
      style: "currency",
      currency: "IDR",
      maximumFractionDigits: 0,
    });
    box.hidden = false;
    box.style.height = Math.max(140, data.labels.length * 44 + 40) + "px";
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          {
            label: box.getAttribute("data-label") || "Top-ups",
            data: data.amounts,
            backgroundColor: water,
            borderRadius: 4,
            maxBarThickness: 28,
          },
        ],
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: function (item) {
                return money.format(item.raw);
              },
            },
          },
        },
        scales: {
          x: {
            beginAtZero: true,
            grid: { color: line },
            ticks: {
              color: muted,
              callback: function (value) {
                return money.format(value);
              },
            },
          },
          y: { grid: { display: false }, ticks: { color: muted } },
        },
      },
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
