// Reviewer console: the inline material viewer (zoom, rotate, open full size; PDFs linked).
document.addEventListener("DOMContentLoaded", function () {
  var viewer = document.getElementById("viewer");
  if (!viewer) return;
  var img = document.getElementById("viewer-img");
  var pdf = document.getElementById("viewer-pdf");
  var full = document.getElementById("viewer-full");
  var name = document.getElementById("viewer-name");
  var scale = 1, angle = 0;
  function apply() { img.style.transform = "scale(" + scale + ") rotate(" + angle + "deg)"; }
  document.querySelectorAll("a.material-link").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      document.querySelectorAll("a.material-link.active").forEach(function (a) { a.classList.remove("active"); });
      link.classList.add("active");
      viewer.hidden = false;
      scale = 1; angle = 0; apply();
      name.textContent = link.textContent + " · " + link.dataset.name;
      full.href = link.href;
      if (link.dataset.mime === "application/pdf") {
        img.hidden = true; img.removeAttribute("src");
        pdf.hidden = false; pdf.href = link.href;
      } else {
        pdf.hidden = true; img.hidden = false; img.src = link.href; img.alt = link.dataset.name;
      }
    });
  });
  viewer.addEventListener("click", function (event) {
    var what = event.target.dataset.viewer;
    if (what === "zoom-in") scale = Math.min(scale * 1.25, 6);
    if (what === "zoom-out") scale = Math.max(scale / 1.25, 0.25);
    if (what === "rotate") angle = (angle + 90) % 360;
    if (what) apply();
  });
});
