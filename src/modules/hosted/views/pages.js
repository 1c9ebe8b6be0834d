// Enhancement only (every form works without it): the password policy explained as the person types.
(() => {
  for (const input of document.querySelectorAll('input[data-password-policy]')) {
    const min = Number(input.getAttribute('data-password-policy'));
    const hint = document.getElementById(`${input.id}-hint`);
    if (!hint || !min) continue;
    const base = hint.textContent;
    const left = hint.getAttribute('data-left') || '';
    const ok = hint.getAttribute('data-ok') || '';
    hint.setAttribute('aria-live', 'polite');
    input.addEventListener('input', () => {
      const length = Array.from(input.value.normalize('NFKC')).length;
      if (length === 0) hint.textContent = base;
      else if (length < min) hint.textContent = left.replace('{{count}}', String(min - length));
      else hint.textContent = ok;
    });
  }
  const invalid = document.querySelector('[aria-invalid="true"]');
  if (invalid) invalid.focus();
})();
