"""The page's CSS: what Streamlit's own layout gets wrong for a projector and for a phone."""

STYLE = """<style>
@media (min-width: 900px) { section[data-testid="stSidebar"] { width: 400px !important; } }
/* a phone: the open sidebar leaves a third of the screen to the page */
@media (max-width: 640px) { section[data-testid="stSidebar"] { width: 62vw !important; min-width: 0 !important; } }
.block-container { padding-top: 2.5rem; }
/* the open section keeps its height, so switching sections never moves the page under the pointer */
.st-key-section_body { min-height: 1100px; }
/* a dropdown wider than its box, which cut "name — what it does" off; a long list is virtualised (its rows are
   absolutely placed), so its width cannot follow its content and is set */
[data-testid="stSelectboxVirtualDropdown"] {
  width: min(48rem, calc(100vw - 2rem)) !important; min-width: var(--trigger-width); }
@media (max-width: 640px) {  /* a phone: an option that does not fit takes two smaller lines of its row */
  [data-testid="stSelectboxVirtualDropdown"] [role="option"] > div {
    white-space: normal; font-size: 0.8rem; line-height: 1.05; } }
</style>"""

# presenting, the legend stays in view while the page scrolls from chart to chart
PRESENT_STYLE = """<style>
[data-testid="stElementContainer"]:has(.lrviz-legend) {
  position: sticky; top: 3.75rem; z-index: 5; background: white; padding: 0.25rem 0; }
[data-testid="stTable"] th, [data-testid="stTable"] td { font-size: 1.15rem !important; }
</style>"""

# Streamlit drops a query of more than 1,000 parameters or 512 KiB before the script sees it (it only logs a
# warning), and the page opens with its defaults. The browser still knows the address it was opened with,
# so this check, rendered only when the server saw no query, says so in the page. Streamlit's own
# `embed` options are not part of lrviz's link.
DROPPED_LINK_CHECK = """<script>
const opened = window.parent.performance.getEntriesByType("navigation")[0];
const params = opened ? [...new URL(opened.name).searchParams.keys()] : [];
const dropped = params.some(key => key !== "embed" && key !== "embed_options");
if (dropped) document.addEventListener("DOMContentLoaded", () => {
  document.body.style.margin = "0";
  document.body.innerHTML = '<div role="alert" style="font-family:sans-serif;font-size:15px;background:#fff4e5;' +
    'color:#663c00;padding:10px 14px;border-radius:8px">Not loaded: this link is longer than the server accepts ' +
    '(more than 1,000 parameters or 512 KB), so the page opened with its defaults.</div>';
  for (const box of [window.frameElement, window.frameElement.closest('[data-testid="stElementContainer"]')]) {
    if (box) box.style.height = "60px";  // Streamlit gave the frame, and the block holding it, no height
  }
});
</script>"""
