// The first-run setup page: sends the form and the one-time token (kept in the URL fragment,
// which browsers never send to servers or write to logs) to POST /api/v1/setup.
(function () {
  'use strict';
  const form = document.getElementById('setup');
  const result = document.getElementById('result');
  const token = new URLSearchParams(window.location.hash.slice(1)).get('token') || '';

  function show(text, isError) {
    result.textContent = text;
    result.className = isError ? 'error' : '';
  }

  if (!token) {
    show('This page needs the one-time link printed by `rapport serve` (it ends in #token=...).', true);
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = {
      token,
      workspace: data.get('workspace'),
      email: data.get('email'),
      password: data.get('password'),
    };
    const name = data.get('display_name');
    if (name) body.display_name = name;
    show('Creating…', false);
    try {
      const res = await fetch('/api/v1/setup', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (res.status === 201) {
        form.hidden = true;
        show('Your account and workspace are ready. Sign in with your e-mail address and password.', false);
        history.replaceState(null, '', window.location.pathname);
        return;
      }
      const problem = await res.json();
      const details = (problem.errors || []).map((e) => e.message).join(' ');
      show(`${problem.detail}${details ? ': ' + details : ''}`, true);
    } catch (err) {
      show(`The server could not be reached: ${err}`, true);
    }
  });
})();
