// Keeps the app inside the part of the screen the person can see: when the on-screen keyboard opens,
// the visual viewport shrinks (and on iOS scrolls); the app follows it through two CSS variables.
export function installViewport(): void {
  const root = document.documentElement;
  const vv = window.visualViewport;
  let frame = 0;
  const apply = (): void => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => {
      const height = vv ? vv.height : window.innerHeight;
      const top = vv ? Math.max(0, vv.offsetTop) : 0;
      root.style.setProperty('--app-height', `${Math.round(height)}px`);
      root.style.setProperty('--app-top', `${Math.round(top)}px`);
    });
  };
  vv?.addEventListener('resize', apply);
  vv?.addEventListener('scroll', apply);
  window.addEventListener('resize', apply);
  window.addEventListener('orientationchange', apply);
  apply();
}
