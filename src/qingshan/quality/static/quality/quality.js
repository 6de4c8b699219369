/* Maps (Leaflet) and charts (ECharts) of the public quality pages. No request leaves the
   platform: tiles are drawn only when the page names a tile server (a setting, empty by
   default); otherwise the map shows the stations on a plain ground with county names. */
(function () {
  "use strict";

  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function drawMap(node, markers, label) {
    // without a tile layer the map has no zoom limits: fitBounds on one point would zoom forever
    var map = L.map(node, { zoomSnap: 0.25, minZoom: 5, maxZoom: 16, attributionControl: !!node.dataset.tiles });
    if (node.dataset.tiles) {
      L.tileLayer(node.dataset.tiles, { attribution: node.dataset.attribution || "" }).addTo(map);
    }
    L.control.scale({ imperial: false }).addTo(map);
    var bounds = [];
    var counties = {};
    markers.forEach(function (m) {
      var icon = L.divIcon({
        className: "",
        html: '<div class="qs-marker" style="background:' + m.colour + ";color:" + m.ink + '">' +
          label(m) + "</div>",
        iconSize: [34, 28],
        iconAnchor: [17, 14],
      });
      // Leaflet stacks markers by latitude; a worse one (higher rank) goes on top instead,
      // so a red exceedance is never drawn under a green neighbour
      var marker = L.marker([m.lat, m.lon], {
        icon: icon, title: m.name, keyboard: true, zIndexOffset: (m.rank || 0) * 1000,
      });
      marker.bindPopup(m.popup || ("<strong>" + m.name + "</strong>"));
      marker.addTo(map);
      bounds.push([m.lat, m.lon]);
      var c = counties[m.region] || (counties[m.region] = { lat: 0, lon: 0, n: 0 });
      c.lat += m.lat; c.lon += m.lon; c.n += 1;
    });
    if (!node.dataset.tiles) {
      Object.keys(counties).forEach(function (name) {
        var c = counties[name];
        L.marker([c.lat / c.n - 0.03, c.lon / c.n], {
          icon: L.divIcon({ className: "qs-county-label", html: name, iconSize: [120, 16], iconAnchor: [60, -10] }),
          interactive: false, keyboard: false,
        }).addTo(map);
      });
    }
    if (bounds.length) { map.fitBounds(bounds, { padding: [30, 30], maxZoom: 11 }); } else { map.setView([30.0, 120.6], 9); }
    return map;
  }

  function escape(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  var airNode = document.getElementById("air-map");
  if (airNode) {
    var air = data("air-markers") || [];
    air.forEach(function (m) {
      m.popup = "<strong>" + escape(m.name) + "</strong><br>" + escape(m.region) +
        "<br>AQI <strong>" + (m.aqi == null ? "—" : m.aqi) + "</strong> " + escape(m.category) +
        "<br>" + escape(m.primary) + "<br><small>" + escape(m.time) + "</small>";
    });
    drawMap(airNode, air, function (m) { return m.aqi == null ? "—" : m.aqi; });
  }
  var waterNode = document.getElementById("water-map");
  if (waterNode) {
    var water = data("water-markers") || [];
    water.forEach(function (m) {
      m.popup = "<strong>" + escape(m.name) + "</strong><br>" + escape(m.region) + "<br>" +
        escape(m.label) + " " + escape(m.status) + "<br><small>" + escape(m.day) + "</small>";
    });
    drawMap(waterNode, water, function (m) { return m.label; });
  }

  function chart(id, option) {
    var node = document.getElementById(id);
    if (!node || typeof echarts === "undefined") { return; }
    var instance = echarts.init(node, null, { renderer: "svg" });
    instance.setOption(option);
    window.addEventListener("resize", function () { instance.resize(); });
  }

  var ranking = data("ranking-chart");
  if (ranking) {
    chart("chart-ranking", {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 48, right: 48, bottom: 60, top: 36 },
      xAxis: { type: "category", data: ranking.names, axisLabel: { interval: 0, rotate: 30 } },
      yAxis: [{ type: "value", name: ranking.compositeLabel }, { type: "value", name: "%", max: 100 }],
      series: [
        { name: ranking.compositeLabel, type: "bar", data: ranking.composite, itemStyle: { color: "#1f6f43" } },
        { name: ranking.goodLabel, type: "line", yAxisIndex: 1, data: ranking.good, itemStyle: { color: "#ff7e00" } },
      ],
    });
  }
  var report = data("report-chart");
  if (report) {
    chart("chart-daily", {
      tooltip: { trigger: "axis" },
      grid: { left: 44, right: 16, bottom: 40, top: 24 },
      xAxis: { type: "category", data: report.days },
      yAxis: { type: "value", name: "AQI" },
      dataZoom: report.days.length > 45 ? [{ type: "inside" }, { type: "slider", height: 16, bottom: 4 }] : [],
      series: [{ type: "bar", name: "AQI", data: report.aqi.map(function (v, i) {
        return { value: v, itemStyle: { color: report.colours[i] } };
      }) }],
    });
    chart("chart-levels", {
      tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: ["40%", "70%"], data: report.levels.filter(function (d) { return d.value > 0; }), label: { formatter: "{b}\n{c}" } }],
    });
    chart("chart-pollutants", {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 44, right: 16, bottom: 40, top: 32 },
      xAxis: { type: "category", data: report.days },
      yAxis: { type: "value", name: "µg/m³" },
      dataZoom: report.days.length > 45 ? [{ type: "inside" }] : [],
      series: [
        { type: "line", name: "PM2.5", data: report.pm25, showSymbol: false, itemStyle: { color: "#7e0023" } },
        { type: "line", name: "O3-8h", data: report.o3, showSymbol: false, itemStyle: { color: "#0070c0" } },
      ],
    });
    chart("chart-counties", {
      tooltip: { trigger: "axis" },
      grid: { left: 44, right: 16, bottom: 60, top: 24 },
      xAxis: { type: "category", data: report.counties, axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "value" },
      series: [{ type: "bar", data: report.composite, itemStyle: { color: "#1f6f43" } }],
    });
    chart("chart-water", {
      tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: ["40%", "70%"], data: report.water.filter(function (d) { return d.value > 0; }), label: { formatter: "{b}\n{c}" } }],
    });
  }
})();
