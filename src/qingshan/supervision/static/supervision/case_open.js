// The new-case form: a text box that narrows the long list of enterprises (no server
// round trip, nothing from the internet); Enter picks the first one left. Choosing an
// enterprise reloads the form with its points, factors and alarms (htmx, on the form).
(function () {
  "use strict";
  function options(box) {
    var select = document.getElementById(box.getAttribute("data-qs-filter-options"));
    return select ? { select: select, list: Array.prototype.slice.call(select.options) } : null;
  }
  function matches(option, words) {
    var text = option.text.toLowerCase();
    return option.value === "" || words.every(function (w) { return text.indexOf(w) >= 0; });
  }
  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-qs-filter-options]")) return;
    var found = options(box);
    if (!found) return;
    var words = box.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    found.list.forEach(function (option) {
      option.hidden = !option.selected && !matches(option, words);
    });
  });
  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (event.key !== "Enter" || !box.matches || !box.matches("[data-qs-filter-options]")) return;
    event.preventDefault(); // never submit the form from the filter box
    var found = options(box);
    var first = found && found.list.find(function (o) { return o.value !== "" && !o.hidden; });
    if (!first) return;
    found.select.value = first.value;
    found.select.dispatchEvent(new Event("change", { bubbles: true }));
  });
})();
