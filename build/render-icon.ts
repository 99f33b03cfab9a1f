// Renders build/icon.svg to build/icon.png (512×512), the icon electron-builder turns into each
// platform's format. Run after editing the SVG: `npx tsx build/render-icon.ts`.

import { resolve } from 'node:path'
import sharp from 'sharp'

const here = import.meta.dirname
const svg = resolve(here, 'icon.svg')
const png = resolve(here, 'icon.png')

const info = await sharp(svg, { density: 72 })
  .resize(512, 512)
  .png({ compressionLevel: 9 })
  .toFile(png)
console.log(`${png}: ${info.width}×${info.height}, ${info.size} bytes`)
