// Case pages: the alarm chart (ECharts, served locally), the location of an on-site
// record (the phone's GPS, with the user's consent), and the dashboard chart.
(function () {
  "use strict";
  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) return;
    var c = window.echarts.init(el, null, { renderer: "svg" });
    c.setOption(option);
    window.addEventListener("resize", function () { c.resize(); });
  }
  var series = document.getElementById("qs-series");
  if (series) {
    var data = JSON.parse(series.textContent);
    // a few daily values: each one marked, or a lone value would not show at all
    var lines = [{ type: "line", name: data.factor, showSymbol: data.points.length <= 60, data: data.points,
      markArea: { itemStyle: { color: "rgba(220,53,69,0.08)" },
        data: [[{ xAxis: data.first_at_local }, { xAxis: data.last_at_local }]] } }];
    if (data.limit !== null) {
      lines[0].markLine = { symbol: "none", lineStyle: { color: "#dc3545", type: "dashed" },
        label: { formatter: String(data.limit) }, data: [{ yAxis: data.limit }] };
    }
    chart("qs-alarm-chart", {
      animation: false, grid: { left: 48, right: 24, top: 24, bottom: 56 },
      tooltip: { trigger: "axis" }, xAxis: { type: "time" },
      // the limit stays on the axis, so the distance to it can be seen
      yAxis: { type: "value", min: function (v) { return data.limit === null ? v.min : Math.floor(Math.min(v.min, data.limit * 0.8)); },
        max: function (v) { return data.limit === null ? v.max : Math.ceil(Math.max(v.max, data.limit * 1.1)); } },
      dataZoom: [{ type: "inside" }, { type: "slider", height: 18, bottom: 8 }], series: lines
    });
  }
  var dash = document.getElementById("qs-dashboard-data");
  if (dash) {
    var d = JSON.parse(dash.textContent);
    chart("qs-dashboard-chart", {
      animation: false, tooltip: { trigger: "axis" }, legend: { top: 0 },
      grid: { left: 40, right: 16, top: 40, bottom: 40 },
      xAxis: { type: "category", data: d.regions }, yAxis: { type: "value", minInterval: 1 },
      series: d.series.map(function (s) { return { type: "bar", stack: "open", name: s.name, data: s.data }; })
    });
  }
  document.querySelectorAll("[data-qs-locate]").forEach(function (button) {
    button.addEventListener("click", function () {
      var form = button.closest("form"), out = form.querySelector("[data-qs-location]");
      if (!navigator.geolocation) { out.textContent = button.dataset.qsUnavailable; return; }
      out.textContent = button.dataset.qsWaiting;
      navigator.geolocation.getCurrentPosition(function (p) {
        form.querySelector("input[name$='-lat']").value = p.coords.latitude.toFixed(6);
        form.querySelector("input[name$='-lng']").value = p.coords.longitude.toFixed(6);
        out.textContent = p.coords.latitude.toFixed(5) + ", " + p.coords.longitude.toFixed(5);
      }, function () { out.textContent = button.dataset.qsUnavailable; },
      { enableHighAccuracy: true, timeout: 15000 });
    });
  });
})();
