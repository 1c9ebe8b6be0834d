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
  /** A ceremony with the server: its options, the browser's answer, the finish; then the page it leads to. */
  const ceremony = async (button, base, run) => {
    const start = await post(button.dataset.options, base);
    const response = await run(start.options);
    const done = await post(button.dataset.finish, { ...base, challengeId: start.challengeId, response });
    window.location.assign(done.location);
  };
  // Passkey autofill (WebAuthn conditional mediation): a field marked `autocomplete="… webauthn"` offers the
  // browser's passkeys among its suggestions; picking one signs in as the button would. A button press
  // meanwhile aborts this request (the library keeps one ceremony at a time); so does a browser without it.
  const autofill = document.querySelector('input[autocomplete~="webauthn"]');
  const signInButton = document.querySelector('[data-passkey="authenticate"]');
  if (autofill && signInButton) {
    webauthn.browserSupportsWebAuthnAutofill().then((supported) => {
      if (!supported) return;
      const base = { csrf: signInButton.dataset.csrf, return_to: signInButton.dataset.returnTo };
      ceremony(signInButton, base, (optionsJSON) => webauthn.startAuthentication({ optionsJSON, useBrowserAutofill: true })).catch(
        () => undefined,
      );
    });
  }
  for (const button of document.querySelectorAll('[data-passkey]')) {
    button.hidden = false;
    button.addEventListener('click', async () => {
      const status = document.getElementById(button.dataset.status);
      // The second step's "Remember this device" box counts for a passkey as for a code.
      const remember = document.getElementById('rememberDevice');
      const base = {
        csrf: button.dataset.csrf,
        token: button.dataset.token,
        return_to: button.dataset.returnTo,
        ...(remember?.checked ? { rememberDevice: true } : {}),
      };
      button.disabled = true;
      try {
        await ceremony(button, base, (optionsJSON) =>
          button.dataset.passkey === 'register'
            ? webauthn.startRegistration({ optionsJSON })
            : webauthn.startAuthentication({ optionsJSON }),
        );
      } catch {
        button.disabled = false;
        // The button lost the focus when it was disabled: the failure takes it, so that it is read out and the
        // person goes on from here (the button is the next thing back).
        if (status) {
          status.textContent = button.dataset.failed;
          status.tabIndex = -1;
          status.focus();
        }
      }
    });
  }
})();
