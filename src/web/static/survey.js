// Conditional questions, at once: every step of the survey is on the page, and a question shown
// on a condition appears or hides as the answer it waits for changes. Without this script the
// survey comes in steps ("Continuer"), and the server decides what each step shows.
(() => {
  const form = document.querySelector('form.survey-form');
  if (!form) return;
  const sets = [...form.querySelectorAll('fieldset[data-field]')];
  const chosen = (field, value) =>
    [...form.querySelectorAll(`[name="${CSS.escape(field)}"]`)].some((input) => input.checked && input.value === value);
  const update = () => {
    // In page order: a question's condition looks back, so what it looks at is already decided.
    for (const set of sets) {
      const field = set.dataset.conditionField;
      let show = true;
      if (field) {
        const parent = form.querySelector(`fieldset[data-field="${CSS.escape(field)}"]`);
        show = Boolean(parent) && !parent.hidden && chosen(field, set.dataset.conditionValue);
      }
      set.hidden = !show;
      // A hidden question's answer is not sent (the server would drop it anyway).
      set.disabled = !show;
    }
  };
  update();
  form.addEventListener('change', update);
  for (const el of document.querySelectorAll('.survey-next, .survey-progress')) el.hidden = true;
  for (const el of form.querySelectorAll('.survey-submit')) el.hidden = false;
})();
