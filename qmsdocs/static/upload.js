/* Upload of a new procedure version: drag and drop or file picker, a first request that only
   reads the file (code, revision, citations) for confirmation, then the real upload, both with
   a progress bar. Without JavaScript the form still posts normally. No build step, no library. */
(function () {
  "use strict";

  var form = document.getElementById("upload-form");
  if (!form) { return; }

  var input = document.getElementById("file");
  var zone = document.getElementById("dropzone");
  var fileName = document.getElementById("file-name");
  var errorBox = document.getElementById("upload-error");
  var progressWrap = document.getElementById("progress-wrap");
  var progress = document.getElementById("progress");
  var progressLabel = document.getElementById("progress-label");
  var confirmBox = document.getElementById("confirm");
  var submitButton = document.getElementById("submit-button");
  var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10) || 0;
  var csrfField = form.querySelector("input[name=csrf_token]");
  var inspection = null;   // "pending" while reading, an object once read, null otherwise
  var busy = false;

  function message(key) {
    var node = document.querySelector('#msg-templates');
    var item = node && node.content.querySelector('[data-key="' + key + '"]');
    return item ? item.textContent.trim() : key;
  }

  function showError(text, linkHref) {
    errorBox.textContent = "";
    var paragraph = document.createElement("p");
    paragraph.textContent = text;
    errorBox.appendChild(paragraph);
    if (linkHref) {
      var link = document.createElement("a");
      link.href = linkHref;
      link.textContent = message("latest-link");
      var linkLine = document.createElement("p");
      linkLine.appendChild(link);
      errorBox.appendChild(linkLine);
    }
    errorBox.hidden = false;
    errorBox.scrollIntoView({ block: "nearest" });
  }

  function clearError() {
    errorBox.hidden = true;
    errorBox.textContent = "";
  }

  function setProgress(label, fraction) {
    progressWrap.hidden = false;
    progressLabel.textContent = label;
    if (fraction === null) {
      progress.removeAttribute("value");   // indeterminate: the server is reading the file
    } else {
      progress.value = Math.round(fraction * 100);
    }
  }

  function hideProgress() {
    progressWrap.hidden = true;
    progress.value = 0;
  }

  function send(url, data, label, onDone) {
    var request = new XMLHttpRequest();
    request.open("POST", url);
    request.setRequestHeader("Accept", "application/json");
    if (csrfField) { request.setRequestHeader("X-CSRFToken", csrfField.value); }
    request.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) {
        setProgress(label, event.loaded / event.total);
      }
    });
    request.upload.addEventListener("load", function () { setProgress(label, null); });
    request.addEventListener("load", function () {
      var body = null;
      try { body = JSON.parse(request.responseText); } catch (ignored) { body = null; }
      hideProgress();
      onDone(request.status, body);
    });
    request.addEventListener("error", function () {
      hideProgress();
      onDone(0, null);
    });
    setProgress(label, 0);
    request.send(data);
  }

  function errorText(status, body) {
    if (body && body.error && body.error.message) { return body.error.message; }
    return status === 0 ? message("network") : message("server");
  }

  function fill(id, value) {
    var node = document.getElementById(id);
    node.textContent = value || message("none");
  }

  function showInspection(result) {
    fill("c-file", result.filename);
    fill("c-code", result.metadata.code);
    fill("c-revision", result.metadata.revision);
    fill("c-issued", result.metadata.issued_on);
    var list = document.getElementById("c-citations");
    list.textContent = "";
    if (!result.citations.length) {
      var empty = document.createElement("li");
      empty.textContent = message("no-citations");
      list.appendChild(empty);
    }
    result.citations.forEach(function (citation) {
      var item = document.createElement("li");
      item.textContent = citation.symbol + (citation.location !== "body" ? " (" + citation.location + ")" : "");
      list.appendChild(item);
    });
    var warnings = document.getElementById("c-warnings");
    warnings.textContent = "";
    (result.warning_details || result.warnings.map(function (text) { return {message: text}; }))
      .forEach(function (detail) {
        var warning = document.createElement("p");
        warning.className = "alert alert-warning";
        if (detail.code) { warning.setAttribute("data-warning", detail.code); }
        warning.textContent = detail.message;
        warnings.appendChild(warning);
      });
    confirmBox.hidden = false;
    confirmBox.focus();
  }

  function inspect() {
    clearError();
    confirmBox.hidden = true;
    inspection = null;
    var file = input.files && input.files[0];
    fileName.textContent = file ? file.name : "";
    if (!file) { return; }
    if (!/\.docx?$/i.test(file.name)) {
      showError(message("not-docx"));
      return;
    }
    if (maxBytes && file.size > maxBytes) {
      showError(message("too-large"));
      return;
    }
    var data = new FormData();
    data.append("file", file);
    inspection = "pending";
    send(form.getAttribute("data-inspect-url"), data, message("reading"), function (status, body) {
      if (status === 200 && body) {
        inspection = body;
        showInspection(body);
      } else {
        inspection = null;
        showError(errorText(status, body));
      }
    });
  }

  input.addEventListener("change", inspect);

  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) {
      event.preventDefault();
      zone.classList.add("dragover");
    });
  });
  ["dragleave", "dragend"].forEach(function (name) {
    zone.addEventListener(name, function () { zone.classList.remove("dragover"); });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    zone.classList.remove("dragover");
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      inspect();
    }
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (busy) { return; }
    var file = input.files && input.files[0];
    if (!file) { showError(message("choose-file")); input.focus(); return; }
    if (!form.elements.note.value.trim()) { showError(message("need-note")); form.elements.note.focus(); return; }
    if (inspection === "pending") { showError(message("wait-inspect")); return; }
    if (inspection === null) { inspect(); return; }
    clearError();
    busy = true;
    submitButton.disabled = true;
    send(form.action, new FormData(form), message("saving"), function (status, body) {
      busy = false;
      submitButton.disabled = false;
      if (status === 201 && body && body.redirect) {
        window.location.assign(body.redirect);
        return;
      }
      var stale = body && body.error && (body.error.code === "stale_base_version" || body.error.code === "no_change");
      showError(errorText(status, body), stale ? form.getAttribute("data-procedure-url") : null);
    });
  });
}());
