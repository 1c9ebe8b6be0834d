// Passkey ceremonies on the hosted pages: the server's options go to the browser's WebAuthn (through
// @simplewebauthn/browser, served as /hosted/webauthn.js), its answer back to the server. Without
// JavaScript or WebAuthn the buttons stay hidden and the forms work as they are.
(() => {
  const webauthn = window.SimpleWebAuthnBrowser;
  if (!webauthn?.browserSupportsWebAuthn()) return;
  const post = async (url, body) => {
    const response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(answer.detail || String(response.status));
    return answer;
  };
  for (const button of document.querySelectorAll('[data-passkey]')) {
    button.hidden = false;
    button.addEventListener('click', async () => {
      const status = document.getElementById(button.dataset.status);
      const base = { csrf: button.dataset.csrf, token: button.dataset.token };
      button.disabled = true;
      try {
        const start = await post(button.dataset.options, base);
        const response =
          button.dataset.passkey === 'register'
            ? await webauthn.startRegistration({ optionsJSON: start.options })
            : await webauthn.startAuthentication({ optionsJSON: start.options });
        const done = await post(button.dataset.finish, { ...base, challengeId: start.challengeId, response });
        window.location.assign(done.location);
      } catch {
        if (status) status.textContent = button.dataset.failed;
        button.disabled = false;
      }
    });
  }
})();
