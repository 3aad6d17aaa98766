// The booking form: once a service is chosen, each day shows the places left, and full days are
// disabled (the server refuses them anyway, with the next free day). Data from json_script.
(function () {
  "use strict";

  function init() {
    var form = document.getElementById("booking-form");
    var source = document.getElementById("desk-places");
    if (!form || !source) { return; }
    var places = JSON.parse(source.textContent);
    var service = form.querySelector("select[name=service]");
    var date = form.querySelector("select[name=date]");
    if (!service || !date) { return; }
    var base = {};
    Array.prototype.forEach.call(date.options, function (o) { base[o.value] = o.textContent; });

    function update() {
      var left = places[service.value] || null;
      Array.prototype.forEach.call(date.options, function (o) {
        if (!o.value) { return; }
        if (!left || !(o.value in left)) { o.textContent = base[o.value]; o.disabled = false; return; }
        var n = left[o.value];
        o.disabled = n <= 0;
        o.textContent = base[o.value] + (n > 0 ? "(" + form.getAttribute("data-left") + " " + n + ")" : "(" + form.getAttribute("data-full") + ")");
      });
      date.setAttribute("data-places", left ? "1" : "0");
    }

    service.addEventListener("change", update);
    update();
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
}());
