// Progressive enhancement only: every page works without this file.
// Filter drop-downs and date ranges submit as soon as they change.
document.addEventListener("change", function (event) {
  var input = event.target;
  if (input.matches && input.matches("form.range input[type=date]")) {
    var form = input.form;
    var dates = form.querySelectorAll("input[type=date]");
    var filled = Array.prototype.every.call(dates, function (d) { return d.value !== ""; });
    if (filled) form.submit();
  }
});
