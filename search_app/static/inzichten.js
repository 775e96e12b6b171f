// Optional: sends "Was dit antwoord nuttig?" in the background, so the page stays as it is.
// Without JavaScript (or when this fails) the form posts and the server sends you back to
// the same results with a thank-you.
(function () {
  "use strict";
  var form = document.querySelector("form.nuttig-formulier");
  var status = document.getElementById("nuttig-status");
  if (!form || !status || !window.fetch || !window.URLSearchParams) { return; }
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (!button || !button.name) { return; }
    event.preventDefault();
    var data = new URLSearchParams(new FormData(form));
    data.append(button.name, button.value);
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    fetch(form.action, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) { throw new Error("status " + response.status); }
      return response.json();
    }).then(function (result) {
      form.hidden = true;
      status.textContent = result.message;
    }).catch(function () {
      var field = document.createElement("input");
      field.type = "hidden";
      field.name = button.name;
      field.value = button.value;
      form.appendChild(field);
      form.submit();
    });
  });
})();
