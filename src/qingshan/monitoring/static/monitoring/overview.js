/* The overview map: each point a circle coloured by its state. Tiles only from the
   bureau's own tile server (QINGSHAN_MAP_TILE_URL); without one, the points alone. */
(function () {
  "use strict";
  var el = document.getElementById("overview-map");
  var data = document.getElementById("overview-markers");
  if (!el || !data || typeof L === "undefined") return;
  var markers = JSON.parse(data.textContent);
  var map = L.map(el, { zoomControl: true, attributionControl: false, preferCanvas: true });
  var tiles = el.dataset.tiles;
  if (tiles) L.tileLayer(tiles, { maxZoom: 18 }).addTo(map);
  var bounds = [];
  markers.forEach(function (m) {
    var circle = L.circleMarker([m.lat, m.lng], {
      radius: 7, color: "#fff", weight: 1.5, fillColor: m.colour, fillOpacity: 0.9,
    }).addTo(map);
    var popup = document.createElement("div");
    var link = document.createElement("a");
    link.href = m.url;
    link.textContent = m.title;
    popup.appendChild(link);
    popup.appendChild(document.createElement("br"));
    popup.appendChild(document.createTextNode(m.status));
    circle.bindPopup(popup);
    circle.bindTooltip(m.title + " · " + m.status);
    bounds.push([m.lat, m.lng]);
  });
  if (bounds.length) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 13 });
  else map.setView([30.0, 120.58], 9);  // Shaoxing, until there is a point to show
})();
