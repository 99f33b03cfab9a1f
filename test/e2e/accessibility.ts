// Accessibility and screenshots of one screen as the user sees it.

import AxeBuilder from '@axe-core/playwright'
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { Page } from 'playwright-core'

export const SCREENSHOTS = resolve(import.meta.dirname, '../../test-results/screenshots')

/** The serious and critical axe violations on the page, one readable line each. */
export async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze()
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    )
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true })
  // Sticky header and side bar are drawn where the page is scrolled to; shoot from the top.
  await page.evaluate('window.scrollTo(0, 0)')
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
}
