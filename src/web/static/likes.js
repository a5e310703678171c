// Support an idea without reloading the page. Without JavaScript (or if the request fails),
// the form posts as usual and the page comes back.
(() => {
  for (const form of document.querySelectorAll('form.like-form')) {
    form.addEventListener('submit', async (event) => {
      const action = form.elements.action;
      const button = form.querySelector('button');
      const count = document.querySelector('.like-count');
      const status = document.getElementById('like-status');
      const liking = action.value === 'soutenir';
      event.preventDefault();
      button.disabled = true;
      try {
        const response = await fetch(`/api/v1/ideas/${form.dataset.idea}/like`, {
          method: liking ? 'POST' : 'DELETE',
          headers: { Accept: 'application/json' },
          credentials: 'same-origin',
        });
        // Read the (small) answer, so the browser does not cancel it mid-way.
        await response.text();
        // 409: already supported; 404 on withdrawal: already withdrawn. Either way the state is known.
        const settled = response.ok || (liking ? response.status === 409 : response.status === 404);
        if (!settled) throw new Error(`HTTP ${response.status}`);
        if (response.ok && count) {
          const n = Number(count.dataset.n) + (liking ? 1 : -1);
          count.dataset.n = String(n);
          // Written as the page writes numbers: 1 234 (narrow no-break space) in French.
          count.textContent = n.toLocaleString(document.documentElement.lang === 'fr' ? 'fr-FR' : 'en-GB');
          // The label agrees with the number: French takes the singular for 0 and 1.
          const label = document.querySelector('.like-label');
          const one = document.documentElement.lang === 'fr' ? n < 2 : n === 1;
          if (label) label.textContent = one ? label.dataset.one : label.dataset.other;
        }
        action.value = liking ? 'retirer' : 'soutenir';
        button.textContent = liking ? form.dataset.unlike : form.dataset.like;
        button.setAttribute('aria-pressed', String(liking));
        button.classList.toggle('button-secondary', liking);
        if (status) status.textContent = liking ? form.dataset.liked : form.dataset.unliked;
      } catch {
        form.submit();
      } finally {
        button.disabled = false;
      }
    });
  }
})();
