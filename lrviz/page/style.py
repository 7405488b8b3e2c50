"""The page's CSS: what Streamlit's own layout gets wrong for a projector and for a phone."""

STYLE = """<style>
@media (min-width: 900px) { section[data-testid="stSidebar"] { width: 400px !important; } }
/* a phone: the open sidebar leaves a third of the screen to the page */
@media (max-width: 640px) { section[data-testid="stSidebar"] { width: 62vw !important; min-width: 0 !important; } }
.block-container { padding-top: 2.5rem; }
/* the pasted code's copy button covered its end */
.st-key-pasted_code pre { padding-right: 2.75rem !important; }
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

# presenting, a projector layout: the app's own intro gives way to the scenario's story, the legend and both
# charts, all on one 1920×1080 screen; every text of the page is at least 16 px (a rem is 16 px: 1.15rem ≈ 18 px)
PRESENT_STYLE = """<style>
.st-key-page_intro { display: none; }
.block-container { padding-top: 3.25rem !important; }
[data-testid="stMain"] :is(math, p, span, label, button, input, textarea, li, td, th, small, code, summary, a,
  [data-testid="stCaptionContainer"], [data-testid="stWidgetLabel"] *, [data-baseweb="select"] *) {
  font-size: max(1em, 1.15rem) !important; }
[data-testid="stTable"] th, [data-testid="stTable"] td { font-size: 1.15rem !important; }
[data-testid="stMain"] .lrviz-story h2 { font-size: 2rem !important; }
[data-testid="stMain"] .lrviz-story p { font-size: 1.45rem !important; }
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
