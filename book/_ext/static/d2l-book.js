// Interactive figures without a kernel, for screen readers too: a slider's spoken value is its
// label (the learning rate 0.03, not the position 2), and the picture's description names the
// values it shows. The figure's own inline script swaps the pictures.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".d2l-interactive").forEach(function (figure) {
    var img = figure.querySelector("img");
    var controls = figure.querySelectorAll("[data-name]");
    if (!img || !controls.length) { return; }
    var description = img.getAttribute("alt") || "Interactive figure";
    function update() {
      var shown = [];
      controls.forEach(function (el) {
        var labels = JSON.parse(el.getAttribute("data-labels") || "[]");
        var text = labels[+el.value];
        if (text === undefined) { return; }
        if (el.type === "range") { el.setAttribute("aria-valuetext", text); }
        shown.push(el.getAttribute("data-name") + " " + text);
      });
      figure.querySelectorAll(".d2l-controls > span").forEach(function (fixed) {
        shown.push(fixed.textContent.replace(" = ", " "));
      });
      img.setAttribute("alt", description + ". Showing " + shown.join(", ") + ".");
    }
    controls.forEach(function (el) {
      el.addEventListener("input", update);
      el.addEventListener("change", update);
    });
    update();
  });
});
