// Live preview for the branding editor. The form works without it: its "Prévisualiser" button
// renders the same preview on the server.
(() => {
  const form = document.querySelector('form.branding-form');
  const link = document.getElementById('preview-css');
  const welcome = document.getElementById('preview-welcome');
  if (!form || !link || !welcome) return;
  const colour = /^#[0-9a-fA-F]{6}$/;
  form.addEventListener('input', () => {
    const primary = form.elements.primary_color.value.trim();
    const secondary = form.elements.secondary_color.value.trim();
    if (colour.test(primary) && colour.test(secondary)) {
      const query = new URLSearchParams({ primary, secondary });
      link.href = `/admin/apparence/apercu.css?${query}`;
    }
    const paragraphs = form.elements.welcome_text.value
      .split(/\n\s*\n/)
      .map((text) => text.trim())
      .filter(Boolean)
      .map((text) => {
        const p = document.createElement('p');
        p.textContent = text;
        return p;
      });
    welcome.replaceChildren(...paragraphs);
  });
})();

// Progress of a long task (invitations on their way, an analysis): while it is not over, the
// section's `data-progress` JSON is read every three seconds and the bar, the `done / total`
// text, each `[data-count]` and the state line follow it. Without JavaScript the page has its
// "Rafraîchir" link.
(() => {
  const section = document.querySelector('[data-progress]');
  const bar = section && section.querySelector('progress');
  const text = section && section.querySelector('.progress-text');
  if (!bar || !text) return;
  const tick = async () => {
    try {
      const response = await fetch(section.dataset.progress, { headers: { Accept: 'application/json' } });
      if (!response.ok) return;
      const { total, done, counts } = await response.json();
      bar.max = total;
      bar.value = done;
      text.textContent = `${done} / ${total}`;
      for (const cell of section.querySelectorAll('[data-count]')) {
        const value = counts && counts[cell.dataset.count];
        if (value !== undefined) cell.textContent = String(value);
      }
      if (done < total) {
        setTimeout(tick, 3000);
      } else {
        const state = section.querySelector('.progress-state');
        if (state && section.dataset.finishedText) state.textContent = section.dataset.finishedText;
      }
    } catch {
      /* the page still has its "refresh" link */
    }
  };
  if (Number(bar.value) < Number(bar.max)) setTimeout(tick, 3000);
})();
