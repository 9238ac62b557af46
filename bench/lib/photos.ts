/**
 * Real photographs for the benchmark, under free licences, fetched from Debian's package archive with
 * `apt-get download` (no other source is reachable from these machines) and cached in `.cache/photos/`
 * (git-ignored): camera photos from `lomiri-wallpapers-16.04` and `lomiri-wallpapers-20.04` (CC BY 4.0,
 * CC BY-SA 3.0/4.0; authors named below, as the packages' `copyright` files list them).
 *
 * The published files carry no ICC profile, and some are progressive (as web pages use them) where
 * cameras and phones write baseline JPEGs. The variants are made the way a device would write them:
 * baseline by lossless transcoding (`jpegtran`: the same coefficients, so the same pixels); an sRGB
 * profile spliced in without touching the compressed data; Display P3 and Adobe RGB by converting the
 * pixels with lcms (ImageMagick) and re-encoding at q92; a portrait phone photo by adding EXIF
 * orientation 6 to landscape-stored pixels. One progressive original is kept as published.
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { ICC_PROFILES, IMAGE_TOOLS } from '@preview-lambda/fixtures/tools';
import { withExifOrientation, withIccProfile } from '@preview-lambda/fixtures/images';

const run = promisify(execFile);

/** One photograph of the benchmark set. */
export interface Photo {
  /** Short name, e.g. `sunset 12 MP sRGB`. */
  readonly name: string;
  /** Path of the JPEG in the cache. */
  readonly file: string;
  /** Where it comes from, and its licence. */
  readonly credit: string;
}

/** A camera original in a Debian package. */
interface Original {
  readonly pkg: string;
  readonly path: string;
  readonly credit: string;
}

const ORIGINALS = {
  sunset: {
    pkg: 'lomiri-wallpapers-16.04',
    path: 'usr/share/backgrounds/sunset_by_Aitzol_Berasategi.jpg',
    credit: 'Aitzol Berasategi, CC BY 4.0 (4272x2848)',
  },
  dragonfly: {
    pkg: 'lomiri-wallpapers-16.04',
    path: 'usr/share/backgrounds/Dragonfly_by_Bolly.jpg',
    credit: '"Bolly", CC BY-SA 4.0 (4224x3168)',
  },
  kleiber: {
    pkg: 'lomiri-wallpapers-20.04',
    path: 'usr/share/backgrounds/Kleiber_by_Lukas_Baubkus.jpg',
    credit: 'Lukas Baubkus, CC BY-SA 3.0 (6028x3391)',
  },
  bridge: {
    pkg: 'lomiri-wallpapers-16.04',
    path: 'usr/share/backgrounds/Bridge_by_Sander_Klootwijk.jpg',
    credit: 'Sander Klootwijk, CC BY-SA 4.0 (4352x2448)',
  },
  picos: {
    pkg: 'lomiri-wallpapers-16.04',
    path: 'usr/share/backgrounds/picosdeeuropa_by_Aitzol_Berasategi.jpg',
    credit: 'Aitzol Berasategi, CC BY 4.0 (3264x2448)',
  },
  life: {
    pkg: 'lomiri-wallpapers-16.04',
    path: 'usr/share/backgrounds/life_by_Aitzol_Berasategi.jpg',
    credit: 'Aitzol Berasategi, CC BY 4.0 (3088x2056)',
  },
} as const satisfies Record<string, Original>;

/**
 * The camera originals as published (no profile), extracted into `dir/debian`, each package downloaded
 * once: the photographs of the decode-scale study.
 */
export async function fetchOriginals(dir: string): Promise<Record<keyof typeof ORIGINALS, string>> {
  const debs = join(dir, 'debs');
  const tree = join(dir, 'debian');
  mkdirSync(debs, { recursive: true });
  const packages = [...new Set(Object.values(ORIGINALS).map((original) => original.pkg))];
  for (const pkg of packages) {
    const have = readdirSync(debs).find((file) => file.startsWith(`${pkg}_`));
    if (have === undefined) {
      console.log(`photos: apt-get download ${pkg}`);
      await run('apt-get', ['download', pkg], { cwd: debs });
    }
    const deb = readdirSync(debs).find((file) => file.startsWith(`${pkg}_`))!;
    await run('dpkg-deb', ['-x', join(debs, deb), tree]);
  }
  return Object.fromEntries(
    Object.entries(ORIGINALS).map(([key, original]) => [key, join(tree, original.path)]),
  ) as Record<keyof typeof ORIGINALS, string>;
}

/** Display P3 as libvips ships it (ImageMagick needs a file). */
async function displayP3Profile(dir: string): Promise<string> {
  const file = join(dir, 'display-p3.icc');
  if (!existsSync(file)) {
    const tagged = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
      .withIccProfile('p3')
      .jpeg()
      .toBuffer();
    writeFileSync(file, (await sharp(tagged).metadata()).icc!);
  }
  return file;
}

/**
 * The benchmark's photographs, made once into `dir` (about 45 MB of packages, 30 s the first time).
 *
 * @throws {Error} `apt-get` or ImageMagick is missing or fails (the message names the command).
 */
export async function ensurePhotos(dir: string): Promise<Photo[]> {
  mkdirSync(dir, { recursive: true });
  const originals = await fetchOriginals(dir);
  const p3 = await displayP3Profile(dir);
  const convert = (input: string, output: string, args: readonly string[]) =>
    run(IMAGE_TOOLS.convert, [input, ...args, '-quality', '92', output], { maxBuffer: 1 << 26 });
  /** The same JPEG as baseline (sequential) Huffman coding: lossless, like a camera's own file. */
  const baseline = async (input: string): Promise<Buffer> =>
    (await run(IMAGE_TOOLS.jpegtran, ['-copy', 'all', '-optimize', input], { encoding: 'buffer', maxBuffer: 1 << 27 }))
      .stdout;

  const srgb = readFileSync(ICC_PROFILES.srgb);
  const adobe = ICC_PROFILES.adobeRgb;
  const photos: { name: string; file: string; credit: string; make: (file: string) => Promise<unknown> }[] = [
    {
      name: 'sunset 12 MP sRGB',
      file: 'sunset-srgb-baseline.jpg',
      credit: ORIGINALS.sunset.credit,
      make: async (file) => writeFileSync(file, withIccProfile(await baseline(originals.sunset), srgb)),
    },
    {
      name: 'sunset 12 MP P3 portrait',
      file: 'sunset-p3-portrait.jpg',
      credit: ORIGINALS.sunset.credit,
      make: async (file) => {
        await convert(originals.sunset, `${file}.tmp.jpg`, ['-profile', ICC_PROFILES.srgb, '-profile', p3]);
        // EXIF orientation 6 on the landscape-stored pixels, as a phone held upright writes.
        writeFileSync(file, withExifOrientation(readFileSync(`${file}.tmp.jpg`), 6));
      },
    },
    {
      name: 'dragonfly 13 MP none',
      file: 'dragonfly-baseline.jpg',
      credit: ORIGINALS.dragonfly.credit,
      make: async (file) => writeFileSync(file, await baseline(originals.dragonfly)),
    },
    {
      name: 'dragonfly 13 MP progressive',
      file: 'dragonfly.jpg',
      credit: `${ORIGINALS.dragonfly.credit}, as published (progressive, no profile)`,
      make: async (file) => writeFileSync(file, readFileSync(originals.dragonfly)),
    },
    {
      name: 'kleiber 20 MP Adobe RGB',
      file: 'kleiber-adobe-rgb.jpg',
      credit: ORIGINALS.kleiber.credit,
      make: (file) => convert(originals.kleiber, file, ['-profile', ICC_PROFILES.srgb, '-profile', adobe]),
    },
    {
      name: 'kleiber 24 MP sRGB',
      file: 'kleiber-24mp-srgb.jpg',
      credit: `${ORIGINALS.kleiber.credit}, Lanczos to 6532x3675`,
      make: async (file) => {
        await convert(originals.kleiber, `${file}.tmp.jpg`, ['-filter', 'Lanczos', '-resize', '6532x3675!']);
        writeFileSync(file, withIccProfile(readFileSync(`${file}.tmp.jpg`), srgb));
      },
    },
  ];
  for (const photo of photos) {
    const file = join(dir, photo.file);
    if (!existsSync(file)) {
      console.log(`photos: making ${photo.file}`);
      await photo.make(file);
    }
  }
  return photos.map(({ name, file, credit }) => ({ name, file: join(dir, file), credit }));
}
