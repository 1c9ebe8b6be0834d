import { useEffect, useRef } from 'react';
import { focusPageHeading } from '../ui/parts.js';

/**
 * When the page changes (a link, a new user's page after "Create user", a deleted record's list), focus moves
 * to the new page's heading, which a screen reader then reads with the page's title, as accessible
 * single-page apps do; a page still loading gets it once its heading shows. The first page is left alone
 * (the browser's own focus on load), and so is anything within a page (its filters, its paging).
 */
export function useHeadingFocusOnPageChange(page: string) {
  const focusedFor = useRef(page);
  useEffect(() => {
    if (focusedFor.current === page) return;
    const focusHeading = () => {
      if (!focusPageHeading()) return false;
      focusedFor.current = page;
      return true;
    };
    if (focusHeading()) return;
    const main = document.getElementById('main');
    if (!main) return;
    const untilHeading = new MutationObserver(() => focusHeading() && untilHeading.disconnect());
    untilHeading.observe(main, { childList: true, subtree: true });
    return () => untilHeading.disconnect();
  }, [page]);
}
