// The study player: opens a study session, resumes where the learner left off, reports playback
// with a heartbeat, takes webcam snapshots at random times for the identity checks, and obeys the
// server (which alone decides what counts as study time and which of it was verified).
(function () {
  "use strict";
  const root = document.getElementById("player");
  if (!root) return;
  const Kaohe = window.Kaohe;
  const webcam = window.KaoheWebcam;
  const { lesson, urls, words } = Kaohe.config();
  const video = document.getElementById("video");
  const status = document.getElementById("player-status");
  const resumeHere = document.getElementById("resume-here");
  let session = null;
  let sequence = 0;
  let furthest = 0;
  let timer = null;
  // Whether the video played since the last accepted beat: the beat sent as playback pauses or ends,
  // or one the server refused, must still report the stretch played although the video now stands.
  let playedSinceBeat = false;

  function say(text) { status.textContent = text || ""; }

  // Identity checks. A failed check locks playback until a new snapshot verifies; time after a
  // failure counts only from the next verified snapshot, whatever the player does.
  const camera = document.getElementById("camera");
  const cameraBanner = document.getElementById("camera-banner");
  const checkStatus = document.getElementById("check-status");
  const RETRY_MS = 5000;
  let cameraOn = false;
  let locked = false;
  let snapshotTimer = null;
  let snapshotDue = false;
  let checking = null;
  let closedAtEnd = false;  // playing again after the end opens a new session

  function check(text) { checkStatus.textContent = text || ""; }

  async function cameraStart() {
    if (cameraOn) return true;
    try {
      await webcam.start(camera);
      camera.hidden = false;
      cameraOn = true;
      cameraBanner.hidden = true;
    } catch (error) {
      cameraBanner.textContent = words.no_camera;
      cameraBanner.hidden = false;
    }
    return cameraOn;
  }

  function snapshotLater(ms) {
    clearTimeout(snapshotTimer);
    snapshotTimer = setTimeout(() => {
      if (video.paused && !locked) { snapshotDue = true; return; }
      snapshot();
    }, ms);
  }

  function snapshotInterval() {
    return Kaohe.randomInterval(session.snapshot_min_seconds, session.snapshot_max_seconds) * 1000;
  }

  function lock(message) {
    locked = true;
    video.pause();
    check(message ? `${words.look} ${message}` : words.look);
  }

  function unlock() {
    const wasLocked = locked;
    locked = false;
    check(words.verified);
    if (wasLocked) video.play().catch(() => {});
  }

  // One snapshot at a time; the promise resolves with the decision ("" when none could be had).
  function snapshot() {
    if (!checking) checking = takeSnapshot().finally(() => { checking = null; });
    return checking;
  }

  async function takeSnapshot() {
    if (!session || !session.face_ready || !cameraOn) return "";
    const current = session;
    let accepted;
    try {
      accepted = await webcam.upload(sessionUrl("snapshot", current), await webcam.capture(camera));
    } catch (error) {
      if (session === current) refused(error);
      return "";
    }
    if (session !== current) return "";
    const decided = await decision(accepted.id);
    if (session !== current) return decided.decision || "";
    if (decided.decision === "verified") {
      unlock();
      snapshotLater(snapshotInterval());
    } else {
      lock(decided.message);
      snapshotLater(RETRY_MS);
    }
    return decided.decision || "";
  }

  // A snapshot the server did not take (a capture that failed counts as a network failure).
  function refused(error) {
    const code = error.code;
    if (code === "face_profile_missing") { session.face_ready = false; return; }
    if (code === "session_closed" || code === "session_not_found") return;
    // Too soon, a network failure or an unusable frame: try again shortly.
    if (!error.status || error.status === 429) { snapshotLater(RETRY_MS); return; }
    lock(error.message);
    snapshotLater(RETRY_MS);
  }

  async function decision(id) {
    const address = Kaohe.url(urls.snapshot_decision, { snapshot: id });
    for (let attempt = 0; attempt < 120; attempt += 1) {
      const data = await Kaohe.api(address).catch(() => ({}));
      if (data.status === "decided") return data;
      await new Promise((resolve) => setTimeout(resolve, attempt < 10 ? 500 : 2000));
    }
    return {};
  }

  // The session's endpoints, made whole for the session at hand.
  function sessionUrl(name, current) {
    return Kaohe.url(urls[name], { session: current.session_id });
  }

  async function open() {
    try {
      session = await Kaohe.api(urls.sessions, { json: { lesson_id: lesson } });
    } catch (error) {
      say(Kaohe.errorMessage(error, words.error));
      return;
    }
    sequence = 0;
    playedSinceBeat = false;
    furthest = session.furthest;
    resumeHere.hidden = true;
    say("");
    const start = () => {
      if (session.resume_position > 0 && session.resume_position < video.duration) {
        video.currentTime = session.resume_position;
      }
    };
    if (!video.src) {
      video.addEventListener("loadedmetadata", start, { once: true });
      video.src = session.video_url;
    } else {
      start();
    }
    clearInterval(timer);
    timer = setInterval(beat, session.heartbeat_seconds * 1000);
    snapshotDue = true;  // the first one as playback starts
    if (session.face_ready) cameraStart();
  }

  // One beat in flight at a time, in order: a pause and the end of the video both beat at once,
  // and the second must see what the first did.
  let beating = Promise.resolve();
  function beat() {
    beating = beating.then(sendBeat, sendBeat);
    return beating;
  }

  // Resolves with null when the server took the beat, with its refusal (a Kaohe.ApiError) when
  // not, and with nothing when there is no session to beat for.
  async function sendBeat() {
    if (!session) return undefined;
    sequence += 1;
    const playing = playedSinceBeat || (!video.paused && !video.ended);
    playedSinceBeat = !video.paused && !video.ended;
    try {
      beaten(await Kaohe.api(sessionUrl("heartbeat", session), { json: beatBody(playing) }));
      return null;
    } catch (error) {
      if (playing) playedSinceBeat = true;
      beatRefused(error);
      return error;
    }
  }

  function beatBody(playing) {
    return { sequence: sequence, position: video.currentTime || 0, playing: playing };
  }

  function beaten(data) {
    furthest = Math.max(furthest, data.furthest);
    document.getElementById("watched").textContent = Math.round(data.watched_ratio * session.duration);
    document.getElementById("study-time").textContent = Math.round(data.study_seconds);
    if (data.lesson_complete) document.getElementById("lesson-state").textContent = words.complete;
    root.dataset.position = data.position;
  }

  function beatRefused(error) {
    const code = error.code;
    if (code === "session_superseded" || code === "session_closed") {
      clearInterval(timer);
      video.pause();
      session = null;
      say(words.superseded);
      resumeHere.hidden = false;
    } else if (code === "seek_forbidden") {
      video.currentTime = error.data.allowed_position;
      say(words.seek);
    } else if (code === "heartbeat_too_soon" || code === "heartbeat_out_of_order") {
      // Harmless: the next beat carries the position.
    } else {
      say(Kaohe.errorMessage(error, words.error));
    }
  }

  // The beat that reports the end must land before the session closes: one refused as too soon
  // after the last is sent again once the server will take it.
  async function finalBeat() {
    for (let attempt = 0; attempt < 3 && session; attempt += 1) {
      const refusal = await beat();
      if (!refusal || refusal.code !== "heartbeat_too_soon") return;
      await new Promise((resolve) => setTimeout(resolve, session.heartbeat_seconds * 500));
    }
  }

  video.addEventListener("seeking", () => {
    if (session && session.forbid_seeking && video.currentTime > furthest + 1 && video.currentTime > (session.resume_position || 0) + 1) {
      video.currentTime = Math.max(furthest, session.resume_position || 0);
      say(words.seek);
    }
  });
  video.addEventListener("playing", () => {
    playedSinceBeat = true;
    if (locked) { video.pause(); return; }
    if (snapshotDue && session && session.face_ready) {
      snapshotDue = false;
      cameraStart().then((on) => { if (on) snapshot(); });
    }
  });
  video.addEventListener("play", () => {
    if (locked) video.pause();
    else if (!session && closedAtEnd) { closedAtEnd = false; open(); }
  });
  // The lesson's last stretch needs a verified snapshot at its end to count; then the session
  // closes, which settles the lesson and credits its hours.
  video.addEventListener("ended", async () => {
    if (!session) return;
    const current = session;
    clearTimeout(snapshotTimer);
    if (current.face_ready && cameraOn) {
      if (checking) await checking;
      await snapshot();
    }
    if (session !== current) return;
    await finalBeat();
    if (session !== current) return;
    clearInterval(timer);
    try {
      await Kaohe.api(sessionUrl("close", current), { json: {} });
    } catch (error) {
      // Not reached, the session stays open: leaving the page closes it. Refused, it is over.
      if (error.code === "network") return;
    }
    session = null;
    closedAtEnd = true;
    clearTimeout(snapshotTimer);
    locked = false;
  });
  video.addEventListener("timeupdate", () => {
    if (!video.paused) playedSinceBeat = true;
    // Continuous playback extends what may be sought back to.
    if (!video.seeking && video.currentTime <= furthest + 3) furthest = Math.max(furthest, video.currentTime);
  });
  video.addEventListener("pause", () => { if (session) beat(); });
  resumeHere.addEventListener("click", open);
  // keepalive: the page is going, the requests must outlive it.
  window.addEventListener("pagehide", () => {
    if (!session) return;
    sequence += 1;
    const ignore = () => {};
    Kaohe.api(sessionUrl("heartbeat", session), { json: beatBody(playedSinceBeat || !video.paused), keepalive: true }).catch(ignore);
    Kaohe.api(sessionUrl("close", session), { json: {}, keepalive: true }).catch(ignore);
  });
  open();
})();
