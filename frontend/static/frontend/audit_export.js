// The export page: polls the export's status until it is ready or failed, showing its progress,
// then reveals the download link. Words and URLs come from the page's config (kaohe-config).
(function () {
  "use strict";
  const config = Kaohe.config();
  const bar = document.getElementById("export-progress");
  const state = document.getElementById("export-state");
  const count = document.getElementById("export-count");
  const link = document.getElementById("export-download");
  const box = document.getElementById("export");

  function show(status) {
    bar.value = status.percent;
    state.textContent = status.label;
    count.textContent = status.done + " / " + status.total;
    box.dataset.status = status.status;
    if (status.download) {
      link.hidden = false;
    }
  }

  async function poll() {
    try {
      const status = await Kaohe.api(config.urls.status);
      show(status);
      if (status.status === "ready" || status.status === "failed") {
        return;
      }
    } catch (error) {
      state.textContent = Kaohe.errorMessage(error, config.words.failed);
    }
    window.setTimeout(poll, 1000);
  }

  if (box.dataset.status !== "ready" && box.dataset.status !== "failed") {
    poll();
  }
})();
