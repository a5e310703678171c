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

// Invitation progress: refreshed every two seconds while mails are on their way.
(() => {
  const section = document.querySelector('[data-progress]');
  const bar = section && section.querySelector('progress');
  const text = section && section.querySelector('.progress-text');
  if (!bar || !text) return;
  const tick = async () => {
    try {
      const response = await fetch(section.dataset.progress, { headers: { Accept: 'application/json' } });
      if (!response.ok) return;
      const { total, done } = await response.json();
      bar.max = total;
      bar.value = done;
      text.textContent = `${done} / ${total}`;
      if (done < total) setTimeout(tick, 2000);
    } catch {
      /* the page still has its "refresh" link */
    }
  };
  if (Number(bar.value) < Number(bar.max)) setTimeout(tick, 2000);
})();
