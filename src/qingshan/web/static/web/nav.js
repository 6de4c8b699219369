// The navigation's search button opens its box: put the cursor in it.
document.addEventListener("shown.bs.dropdown", (event) => {
  const menu = event.target.closest(".qs-nav-search-toggle");
  menu?.querySelector("input[name=q]")?.focus();
});
