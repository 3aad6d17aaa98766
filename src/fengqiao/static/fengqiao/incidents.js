// Incident intake: picking a standard address from the HTMX results fills the hidden address id,
// the search box and the location field. Opt-in by [data-intake] on the form.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-pick-address]");
    if (!button) { return; }
    var form = button.closest("form[data-intake]");
    if (!form) { return; }
    event.preventDefault();
    form.querySelector("input[name=address]").value = button.getAttribute("data-pick-address");
    var label = button.getAttribute("data-label");
    form.querySelector("input[name=address_q]").value = label;
    var location = form.querySelector("input[name=location]");
    if (location && !location.value) { location.value = label; }
    var box = document.getElementById("address-lookup");
    if (box) { box.querySelectorAll("[data-pick-address]").forEach(function (b) { b.classList.remove("picked"); }); }
    button.classList.add("picked");
    location.focus();
  });
})();
