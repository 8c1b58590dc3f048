// The pages a one-time link opens (invitation, password reset, address change): sends the form's
// fields and the link's secret, kept in the URL fragment (browsers never send a fragment to a
// server, so it stays out of every log), to the endpoint the form names.
(function () {
  'use strict';
  const form = document.getElementById('onetime');
  const result = document.getElementById('result');
  const token = new URLSearchParams(window.location.hash.slice(1)).get('token') || '';
  // Out of the address bar, the history and any screen share at once: the page keeps it.
  if (token) history.replaceState(null, '', window.location.pathname);

  function show(text, isError) {
    result.textContent = text;
    result.className = isError ? 'error' : '';
  }

  if (!token) {
    show('This page needs the link from your e-mail (it ends in #token=...).', true);
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = { token };
    for (const [name, value] of new FormData(form)) {
      if (value !== '') body[name] = value;
    }
    show('Sending…', false);
    try {
      const res = await fetch(form.dataset.endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (res.ok) {
        form.hidden = true;
        show(form.dataset.done, false);
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
