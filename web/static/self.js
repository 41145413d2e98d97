'use strict';
// Self-service: extension + PIN lock or unlock one's own line.
(function () {
  const form = document.getElementById('self-form');
  const msg = document.getElementById('self-msg');
  let action = 'lock';
  document.getElementById('self-lock').addEventListener('click', () => {
    action = 'lock';
  });
  document.getElementById('self-unlock').addEventListener('click', () => {
    action = 'unlock';
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const pin = document.getElementById('self-pin');
    const body = {
      ext: document.getElementById('self-ext').value.trim(),
      pin: pin.value
    };
    pin.value = '';
    msg.className = '';
    msg.textContent = 'Working...';
    try {
      const r = await fetch('/self/' + action, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body)
      });
      const j = await r.json();
      if (!r.ok) {
        msg.className = 'error';
        msg.textContent = j.error ? j.error.message : 'Failed';
        return;
      }
      msg.textContent = 'Line ' + j.ext + ' is now ' +
        (j.locked ? 'locked' : 'unlocked') + '.';
    } catch (e) {
      msg.className = 'error';
      msg.textContent = 'Network error';
    }
  });
})();
