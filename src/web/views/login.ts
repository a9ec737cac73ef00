/** The sign-in page, shown instead of the dashboard when sign-in is on and nobody is signed in. */
import { signIn } from '../auth.ts';

/** Replace `main` with the login form; a successful sign-in reloads into the dashboard. */
export function showLogin(main: HTMLElement): void {
  document.body.dataset.role = 'none';
  document.body.dataset.ready = 'login';
  main.innerHTML = `
    <section class="view login" aria-labelledby="login-title">
      <form data-testid="login-form" class="login-form">
        <h2 id="login-title">Sign in to rigmap</h2>
        <label>Login <input name="login" autocomplete="username" required autofocus></label>
        <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
        <p class="error-text" data-slot="error" role="alert" hidden></p>
        <button type="submit">Sign in</button>
        <p class="muted">Accounts are made with <code>rigmap user add NAME --role viewer|operator|admin</code>.</p>
      </form>
    </section>`;
  const form = main.querySelector<HTMLFormElement>('form')!;
  const error = form.querySelector<HTMLElement>('[data-slot="error"]')!;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const button = form.querySelector('button')!;
    button.disabled = true;
    signIn(String(data.get('login')), String(data.get('password')))
      .then(() => location.reload())
      .catch((err: Error) => {
        error.textContent = err.message;
        error.hidden = false;
        button.disabled = false;
      });
  });
}
