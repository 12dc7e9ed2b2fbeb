// Navigation without a page load, for code (links are handled by the router in main.ts).
export function navigate(href: string): void {
  history.pushState(null, "", href);
  window.dispatchEvent(new PopStateEvent("popstate"));
}
