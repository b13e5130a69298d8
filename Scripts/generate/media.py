#!/usr/bin/env python3
"""Rebuilds Media/ — the bundled demo photos — and Media/LICENSES.md from Debian packages.

Every photo comes from a package in Debian 12 (bookworm) main, fetched with `apt-get download`
at a pinned version, unpacked with `dpkg-deb`, and checked against the sha256 of the original
file before it is converted. The table PHOTOS below is the single source of truth: file name,
package, original path, author and licence; Media/LICENSES.md is written from it.

Conversion (see `render`): EXIF orientation applied, metadata dropped (no camera/GPS data is
carried over), long side limited to 1600 px (Lanczos), cut-outs with alpha flattened onto
white, JPEG quality 90. A few files are deliberately varied so that mmsearch's decoders meet
what real folders hold: PNG (RGB, RGBA with alpha kept, palette with tRNS transparency), a
progressive JPEG, a 4:4:4 JPEG, and a JPEG stored sideways with an EXIF orientation tag
(as phone cameras write them), which displays upright only if the reader applies it.

Needs: a Debian/Ubuntu machine with apt-get and dpkg-deb and current package lists
(`apt-get update`), and Python 3 with Pillow (e.g. `apt-get install python3-pil`, or the
reference venv: /work/venv-ref/bin/python). About 400 MB of .deb files are downloaded into the
cache folder (default ~/.cache/mmsearch/media-src, or --cache DIR); only the needed files are
unpacked. Output JPEG bytes depend on Pillow's libjpeg build, so a rebuild is visually equal,
not necessarily byte-equal.

    python3 Scripts/generate/media.py [--cache DIR]
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import io
import os
import pathlib
import shutil
import subprocess
import sys
import tarfile

from PIL import Image, ImageOps

ROOT = pathlib.Path(__file__).resolve().parents[2]
MEDIA = ROOT / "Media"
MAX_SIDE = 1600
JPEG_QUALITY = 90
WHITE = (255, 255, 255)
EXIF_ORIENTATION_TAG = 0x0112


@dataclasses.dataclass(frozen=True)
class Package:
    """A Debian package pinned to the version the table was checked against."""
    name: str
    version: str
    licence_note: str  # where the package states the licence of the files used


@dataclasses.dataclass(frozen=True)
class Photo:
    """One Media/ file and where it comes from."""
    name: str          # file name in Media/
    subject: str       # what the photo shows
    package: str       # key into PACKAGES
    path: str          # path of the original inside the package
    sha256: str        # of the original file
    author: str        # author / copyright holder as the package states it
    licence: str       # SPDX-like identifier
    fmt: str = "jpeg"  # jpeg | png-rgb | png-rgba | png-palette
    progressive: bool = False
    subsampling_444: bool = False
    exif_orientation: int = 1  # 1: stored upright; 6: stored rotated, tag says "rotate 90° CW"


TUX = "usr/share/tuxpaint/stamps/"
TUX_AUTHOR = "Tux Paint stamps contributors (© 2002–2022 Bill Kendrick et al.)"
SKIMAGE = "usr/lib/python3/dist-packages/skimage/data/"
FORENSICS = "usr/share/forensics-samples/original-files/"
FORENSICS_AUTHOR = "Joao Eriberto Mota Filho"
PALAPELI = "usr/share/palapeli/collection/"
GIMP_HELP = "usr/share/gimp/2.0/help/en/images/tutorials/"
GIMP_HELP_AUTHOR = "The GIMP Documentation Team"

PACKAGES = {p.name: p for p in [
    Package("tuxpaint-stamps-default", "2022.06.04-1",
            "debian/copyright: Files: * — GPL-2+"),
    Package("forensics-samples-files", "1.1.4-5",
            "debian/copyright: Files: original-files/* — CC-BY-SA-4.0"),
    Package("python3-skimage", "0.19.3-8",
            "skimage/data/_fetchers.py docstrings; debian/copyright: Files: * — BSD-3-Clause"),
    Package("python3-sklearn", "1.2.1+dfsg-1",
            "sklearn/datasets/images/README.txt"),
    Package("gimp-help-en", "2.10.34-2",
            "debian/copyright: Files: * — GFDL-NIV-1.2+"),
    Package("palapeli-data", "4:22.12.3-1",
            "the puzzle's .desktop file (X-KDE-PluginInfo-Author/License/Website)"),
    Package("mate-backgrounds", "1.26.0-1",
            "debian/copyright, per file"),
    Package("plasma-workspace-wallpapers", "4:5.27.5-2",
            "the wallpaper's metadata.json (KPlugin Authors/License)"),
    Package("lomiri-wallpapers-16.04", "20.04.0-2",
            "debian/copyright, per file"),
    Package("puzzle-jigsaw", "1.0.2+git20201007.527c529+dfsg-4+b1",
            "debian/copyright: Files: samples/* — CC0-1.0 (Pexels)"),
]}

PHOTOS = [
    Photo("dog-samoyeds.jpg", "two white Samoyed dogs under a tree", "forensics-samples-files",
          FORENSICS + "pic1/IMG-20191006-WA0002.jpg",
          "8f31fbc45826c8eaea2d60e61fb9810db38a66704adba3b7db05dd04b87eeb13",
          FORENSICS_AUTHOR, "CC-BY-SA-4.0", progressive=True),
    Photo("cat-chelsea.png", "Chelsea the tabby cat", "python3-skimage",
          SKIMAGE + "chelsea.png",
          "596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb",
          "Stefan van der Walt", "CC0-1.0", fmt="png-rgb"),
    Photo("car-convertible.jpg", "a red vintage convertible car", "gimp-help-en",
          GIMP_HELP + "quickie-jpeg-example.jpg",
          "27464fb93aeb0ed19c0e0dc42b7a41b25d12943fb5b14bd089015f9da4efc274",
          GIMP_HELP_AUTHOR, "GFDL-1.2-or-later (no invariant sections)"),
    Photo("truck-pickup.jpg", "an old pickup truck in an apple orchard", "gimp-help-en",
          GIMP_HELP + "tone-mapping/apple-orchard-truck-from-camera.jpg",
          "4d456ec2069d1ef543489e0f503d2eaa6bb0b17654e2029928a0d8ffdb4341b3",
          GIMP_HELP_AUTHOR, "GFDL-1.2-or-later (no invariant sections)"),
    Photo("citrus-slices.jpg", "slices of oranges, lemons and limes", "palapeli-data",
          PALAPELI + "citrus-fruits.jpg",
          "0cbd7154a14789803167c86705130d0358875198231269df168ea26224e70848",
          "US Department of Agriculture (Wikimedia Commons: Citrus_fruits.jpg)", "public domain"),
    Photo("strawberry.png", "a strawberry (cut-out, alpha kept)", "tuxpaint-stamps-default",
          TUX + "food/fruit/Strawberry2.png",
          "c5e7fe18d8419d048e44d3aba3f188fe5774b569ccb6c08230cccf70bbb872f6",
          TUX_AUTHOR, "GPL-2.0-or-later", fmt="png-rgba"),
    Photo("mince-pie.jpg", "a mince pie (cut-out on white)", "tuxpaint-stamps-default",
          TUX + "seasonal/christmas/Mince_Pie.png",
          "c40d3cf22706e560ca017aca93a26fd50ad4cca72b4dc3f8862f220f8185e36d",
          TUX_AUTHOR, "GPL-2.0-or-later"),
    Photo("dinner-table.jpg", "a Christmas dinner table with a dish and wine", "forensics-samples-files",
          FORENSICS + "pic2/IMG_20191224_234846.jpg",
          "653193b3238e0c056cc834c8144aa9801419516e751f8682daa425d7f3dacc5c",
          FORENSICS_AUTHOR, "CC-BY-SA-4.0"),
    Photo("flower-yellow.jpg", "a yellow flower, close-up", "mate-backgrounds",
          "usr/share/backgrounds/mate/nature/YellowFlower.jpg",
          "254da96256acb7add685679775a04d1e4a5bc8cd13e5a5a3d61351ce198a5306",
          "Charles Barbin", "GPL-2.0-or-later"),
    Photo("ladybird.jpg", "a ladybird on a stem among forget-me-nots", "mate-backgrounds",
          "usr/share/backgrounds/mate/nature/LadyBird.jpg",
          "e35a9a4126ef969c90b29c038058c5a575a20eadd84106a37bf1fa9931e7b61d",
          "Charles Barbin", "GPL-2.0-or-later"),
    Photo("bee-on-aster.jpg", "a honey bee on a purple aster", "palapeli-data",
          PALAPELI + "european-honey-bee.jpg",
          "9d54ae706bddd899c91b2b801d9ca4556a5a9a399b4043f9d539df62a8cb7f27",
          "John Severns (Wikimedia Commons: European_honey_bee_extracts_nectar.jpg)",
          "public domain"),
    Photo("duck.jpg", "a mallard duck (cut-out on white)", "tuxpaint-stamps-default",
          TUX + "animals/birds/duck.png",
          "7770d71308241fe7f0a4f99fc2aabe8ac16e4cfff6e37d13e61fab459c8aed33",
          TUX_AUTHOR, "GPL-2.0-or-later"),
    Photo("flamingo.jpg", "a pink flamingo (cut-out on white)", "tuxpaint-stamps-default",
          TUX + "animals/birds/pink_flamingo.png",
          "76f05c493f655efeaa386521bea913cd41bc9a65318a4ff973a3c4ef1b656643",
          TUX_AUTHOR, "GPL-2.0-or-later"),
    Photo("boats-on-lake.jpg", "rowing boats on a lake shore at sunset", "plasma-workspace-wallpapers",
          "usr/share/wallpapers/EveningGlow/contents/images/2560x1600.jpg",
          "586682dcb362b9f620068f10138f87d0d3649939aef238adc5807cb951976a7a",
          "Ian Hex", "LGPL-3.0"),
    Photo("shore-at-dusk.jpg", "calm water and a reedy shore at dusk", "plasma-workspace-wallpapers",
          "usr/share/wallpapers/summer_1am/contents/images/2560x1600.jpg",
          "c868b50789591dd42910153c768053f1ba0a98cb36bbfc2b7a96a1045d0477f8",
          "Risto Saukonpää", "LGPL-3.0"),
    Photo("motorcycle.png", "a red motorcycle in a garage", "python3-skimage",
          SKIMAGE + "motorcycle_left.png",
          "db18e9c4157617403c3537a6ba355dfeafe9a7eabb6b9b94cb33f6525dd49179",
          "Middlebury 2014 stereo dataset (Scharstein et al.), as shipped by scikit-image",
          "BSD-3-Clause (scikit-image)", fmt="png-rgb"),
    Photo("castle.jpg", "the castle of Maintenon, France (stored sideways, EXIF orientation 6)",
          "palapeli-data", PALAPELI + "castle-maintenon.jpg",
          "f4a6bf48b97d97715413f9ebd2d8744bd46df0e492bc8326e2513d51084f2612",
          "Eric Pouhier (Wikimedia Commons: EPO_2432_wiki.jpg)", "GFDL (stated as \"FDL\")",
          exif_orientation=6),
    Photo("palace.jpg", "a Chinese palace by a lake", "python3-sklearn",
          "usr/lib/python3/dist-packages/sklearn/datasets/images/china.jpg",
          "8378025ad2519d649d02e32bd98990db4ab572357d9f09841c2fbfbb4fefad29",
          "danielbuechele (Flickr 6061409035)", "CC-BY-2.0"),
    Photo("mountains.jpg", "the Picos de Europa mountains with a path", "lomiri-wallpapers-16.04",
          "usr/share/backgrounds/picosdeeuropa_by_Aitzol_Berasategi.jpg",
          "414d0072b2f6f2c555deafeaef6e45c4fed6fa9ad26eba6560ca8803959cf97a",
          "Aitzol Berasategi", "CC-BY-4.0"),
    Photo("coffee-cup.jpg", "a cup of espresso on a saucer", "python3-skimage",
          SKIMAGE + "coffee.png",
          "cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7",
          "Rachel Michetti (courtesy of Pikolo Espresso Bar)", "CC0-1.0", subsampling_444=True),
    Photo("computer-circuit-board.jpg", "a computer circuit board, close-up", "forensics-samples-files",
          FORENSICS + "pic1/IMG_20200827_231612.jpg",
          "29694a6e485e9bc523c08cc3333ffd17570ab61a94a41419fa9db81ff05e9ad0",
          FORENSICS_AUTHOR, "CC-BY-SA-4.0"),
    Photo("guitar.jpg", "a classical guitar (cut-out on white)", "tuxpaint-stamps-default",
          TUX + "hobbies/music/string/guitar_classical.png",
          "63e5111f914f1a1239ab3660c61ce40c63b0d228c3e6ba85495a5cf49c5e6b01",
          TUX_AUTHOR, "GPL-2.0-or-later"),
    Photo("airplane.jpg", "a Boeing 747 in flight (cut-out on white)", "tuxpaint-stamps-default",
          TUX + "vehicles/flight/planes/747.png",
          "19de91d4bbee6f04a85eba676c657e18495a051b29ead3d19e352fe247af4898",
          TUX_AUTHOR, "GPL-2.0-or-later"),
    Photo("rocket-launch.jpg", "a Falcon 9 rocket on the launch pad at night", "python3-skimage",
          SKIMAGE + "rocket.jpg",
          "c2dd0de7c538df8d111e479619b129464d0269d0ae5fd18ca91d33a7fdfea95c",
          "SpaceX", "public domain"),
    Photo("horse.jpg", "a chestnut horse (cut-out on white)", "tuxpaint-stamps-default",
          TUX + "animals/mammals/equines/horse.png",
          "1c14aee30e0af4984fcfed4ec9b13769b4e16bb0eb49f95ccef65126b424c6fd",
          TUX_AUTHOR, "GPL-2.0-or-later"),
    Photo("zebra.jpg", "a zebra (cut-out on white)", "tuxpaint-stamps-default",
          TUX + "animals/mammals/equines/zebra.png",
          "f4a1329606b3d77b7064c8c42d3e247f522f1a48f852ef787a963ecf819f0a8c",
          TUX_AUTHOR, "GPL-2.0-or-later"),
    Photo("elephant.jpg", "an African elephant (cut-out on white)", "tuxpaint-stamps-default",
          TUX + "animals/mammals/elephant.png",
          "c58332e1f4ef1f476ffb0e8a2df86f0b55c589496b3699de26cfeabd231a8a70",
          TUX_AUTHOR, "GPL-2.0-or-later"),
    Photo("bridge-at-night.jpg", "the Roebling suspension bridge, Cincinnati, at night",
          "palapeli-data", PALAPELI + "cincinnati-bridge.jpg",
          "09772d09318b34a5c5edd58ee86ff462bcd2907006f31cc8e0704310f8e9ab60",
          "Derek Jensen (Wikimedia Commons: Cincinnati-roebling-suspension-bridge.jpg)",
          "public domain"),
    Photo("fire-truck.jpg", "a red fire truck (cut-out on white)", "tuxpaint-stamps-default",
          TUX + "vehicles/emergency/firetruck.png",
          "e2049145f4829b7f30342c6d0143524014894bab8928ea1b6daa27f3f1b610c0",
          TUX_AUTHOR, "GPL-2.0-or-later"),
    Photo("hot-air-balloon.png", "a hot-air balloon (cut-out, palette PNG with transparency)",
          "tuxpaint-stamps-default", TUX + "vehicles/flight/balloon360.png",
          "4107fd22835366e593d32e35e574a7ff919b316704791dc78df7851594a451db",
          TUX_AUTHOR, "GPL-2.0-or-later", fmt="png-palette"),
    Photo("squirrel.jpg", "a grey squirrel eating (cut-out on white)", "tuxpaint-stamps-default",
          TUX + "animals/mammals/rodents/squirrel.png",
          "ac942f3b777493bb97cfd7e08cd5809bd31863ae73bd1fb681fa0e8e01f13fe7",
          TUX_AUTHOR, "GPL-2.0-or-later"),
    Photo("tiger-in-snow.jpg", "a tiger walking in snow", "puzzle-jigsaw",
          "usr/share/puzzle-jigsaw/samples/pexels-photo-302304.jpeg",
          "020c7820cd34bdc631d0c3a081b9a30b1a41a0bfc438c4859ccdd60c37bdeaa4",
          "Pexels (pexels.com/photo/angry-animal-big-carnivore-302304)", "CC0-1.0"),
    Photo("camel.jpg", "a Bactrian camel (cut-out on white)", "tuxpaint-stamps-default",
          TUX + "animals/mammals/camel/camel.png",
          "910c74c113d617741e549c84ddfc73b69df69b8e7f647bc98815e33f0db7a5df",
          TUX_AUTHOR, "GPL-2.0-or-later"),
    Photo("bear.jpg", "a brown bear (cut-out on white)", "tuxpaint-stamps-default",
          TUX + "animals/mammals/bears/european-bear.png",
          "bab9ff97e54a0a1961c7411f701f8f156b1d353a5e86cf85c6bc675aea8a32ff",
          TUX_AUTHOR, "GPL-2.0-or-later"),
]


def fetch_package(pkg: Package, cache: pathlib.Path) -> pathlib.Path:
    """Returns the .deb of `pkg`, downloading it into `cache` with apt-get if missing."""
    version_in_name = pkg.version.split(":", 1)[-1]
    found = sorted(cache.glob(f"{pkg.name}_*{version_in_name}_*.deb"))
    if found:
        return found[0]
    print(f"apt-get download {pkg.name}={pkg.version}", file=sys.stderr)
    result = subprocess.run(["apt-get", "download", f"{pkg.name}={pkg.version}"], cwd=cache,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    found = sorted(cache.glob(f"{pkg.name}_*{version_in_name}_*.deb"))
    if result.returncode != 0 or not found:
        sys.exit(f"{pkg.name}={pkg.version}: apt-get download failed (run `apt-get update`; "
                 f"if the version is gone, review the new one and update PACKAGES):\n{result.stdout}")
    return found[0]


def extract(deb: pathlib.Path, members: list[str], into: pathlib.Path) -> None:
    """Unpacks only `members` (paths without a leading ./) of `deb` under `into`."""
    missing = [m for m in members if not (into / m).is_file()]
    if not missing:
        return
    data = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], check=True,
                          stdout=subprocess.PIPE).stdout
    wanted = set(missing)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for info in tar:
            name = info.name[2:] if info.name.startswith("./") else info.name
            if name in wanted and info.isfile():
                target = into / name
                target.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(info) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                wanted.discard(name)
    if wanted:
        sys.exit(f"{deb.name}: not in the package: {', '.join(sorted(wanted))}")


def sha256_of(path: pathlib.Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fit(img: Image.Image) -> Image.Image:
    """Scales down so the long side is at most MAX_SIDE."""
    w, h = img.size
    scale = MAX_SIDE / max(w, h)
    if scale >= 1:
        return img
    return img.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.LANCZOS)


def flatten_on_white(img: Image.Image) -> Image.Image:
    rgba = img.convert("RGBA")
    canvas = Image.new("RGBA", rgba.size, WHITE + (255,))
    canvas.alpha_composite(rgba)
    return canvas.convert("RGB")


def whiten_transparent(img: Image.Image) -> Image.Image:
    """RGBA with fully transparent pixels set to white, so that a reader that drops alpha (as
    Pillow's convert("RGB") and mmsearch do) sees the cut-out on white, not on leftover colour."""
    rgba = img.convert("RGBA")
    alpha = rgba.getchannel("A")
    clear = alpha.point(lambda a: 255 if a == 0 else 0)
    rgba.paste(Image.new("RGBA", rgba.size, WHITE + (0,)), mask=clear)
    return rgba


def render(photo: Photo, source: pathlib.Path) -> bytes:
    """The Media/ file's bytes for `photo`, made from the original at `source`."""
    with Image.open(source) as opened:
        img = ImageOps.exif_transpose(opened)  # upright; also drops the orientation tag
        img.load()
    img = fit(img)
    out = io.BytesIO()
    if photo.fmt == "jpeg":
        rgb = flatten_on_white(img) if img.mode in ("RGBA", "LA", "P", "PA") else img.convert("RGB")
        options = {"quality": JPEG_QUALITY, "optimize": True, "progressive": photo.progressive,
                   "subsampling": 0 if photo.subsampling_444 else 2}
        if photo.exif_orientation != 1:
            if photo.exif_orientation != 6:
                raise ValueError(f"{photo.name}: only EXIF orientation 6 is implemented")
            # Orientation 6 = "rotate 90° clockwise to display": store it turned counter-clockwise.
            rgb = rgb.transpose(Image.Transpose.ROTATE_90)
            exif = Image.Exif()
            exif[EXIF_ORIENTATION_TAG] = photo.exif_orientation
            options["exif"] = exif.tobytes()
        rgb.save(out, "JPEG", **options)
    elif photo.fmt == "png-rgb":
        img.convert("RGB").save(out, "PNG", optimize=True)
    elif photo.fmt == "png-rgba":
        whiten_transparent(img).save(out, "PNG", optimize=True)
    elif photo.fmt == "png-palette":
        paletted = whiten_transparent(img).quantize(colors=256, method=Image.Quantize.FASTOCTREE,
                                                    dither=Image.Dither.NONE)
        paletted.save(out, "PNG", optimize=True)
    else:
        raise ValueError(f"{photo.name}: unknown format {photo.fmt}")
    return out.getvalue()


def check_render(photo: Photo, data: bytes, source: pathlib.Path) -> None:
    """Re-reads the written bytes and checks the properties the file is meant to exercise."""
    with Image.open(io.BytesIO(data)) as img:
        img.load()
        expected = {"jpeg": "JPEG", "png-rgb": "PNG", "png-rgba": "PNG", "png-palette": "PNG"}
        assert img.format == expected[photo.fmt], photo.name
        if photo.fmt == "png-rgba":
            assert img.mode == "RGBA", photo.name
        if photo.fmt == "png-palette":
            assert img.mode == "P" and "transparency" in img.info, photo.name
        if photo.fmt == "jpeg":
            assert img.getexif().get(EXIF_ORIENTATION_TAG, 1) == photo.exif_orientation, photo.name
            assert bool(img.info.get("progressive")) == photo.progressive, photo.name
        upright = ImageOps.exif_transpose(img)
        with Image.open(source) as original:
            ow, oh = ImageOps.exif_transpose(original).size
        # Upright output has the original's aspect ratio (to rounding).
        assert abs(upright.size[0] / upright.size[1] - ow / oh) < 0.01, photo.name
        assert max(upright.size) <= MAX_SIDE, photo.name


def licences_markdown() -> str:
    lines = [
        "# Licences of the photos in Media/",
        "",
        "Generated by `Scripts/generate/media.py` from its table; do not edit by hand.",
        "Every file is a converted copy of a file shipped in a Debian 12 (bookworm) package: "
        "EXIF orientation applied, metadata removed, long side at most 1600 px, cut-outs "
        "flattened onto white (or kept with alpha, where the note says so), re-encoded as JPEG "
        "(quality 90) or PNG. The changed files are distributed under the same licence as the "
        "original; the original is the preferred form for modification and is in the package "
        "named (`apt-get source` gives its upstream source).",
        "",
        "| File | Subject | Debian package (version) | Original path in the package | "
        "Author / copyright holder | Licence |",
        "|---|---|---|---|---|---|",
    ]
    for p in PHOTOS:
        pkg = PACKAGES[p.package]
        lines.append(f"| `{p.name}` | {p.subject} | {pkg.name} ({pkg.version}) | `/{p.path}` | "
                     f"{p.author} | {p.licence} |")
    lines += ["", "Where each package states the licence:", ""]
    for pkg in PACKAGES.values():
        lines.append(f"- **{pkg.name}**: {pkg.licence_note}.")
    lines += [
        "",
        "Licence texts: on Debian systems in `/usr/share/common-licenses/` (GPL-2, GPL-3, LGPL-3, "
        "GFDL-1.2, CC0-1.0) and in each package's `/usr/share/doc/PACKAGE/copyright`; Creative "
        "Commons licences at creativecommons.org (by/2.0, by/4.0, by-sa/4.0).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    cache_default = pathlib.Path(os.environ.get("XDG_CACHE_HOME", pathlib.Path.home() / ".cache"))
    parser.add_argument("--cache", type=pathlib.Path,
                        default=cache_default / "mmsearch" / "media-src",
                        help="where .deb files are downloaded and unpacked")
    args = parser.parse_args()
    cache: pathlib.Path = args.cache
    cache.mkdir(parents=True, exist_ok=True)

    names = [p.name for p in PHOTOS]
    assert len(names) == len(set(names)), "duplicate file names in PHOTOS"

    by_package: dict[str, list[Photo]] = {}
    for photo in PHOTOS:
        by_package.setdefault(photo.package, []).append(photo)
    sources: dict[str, pathlib.Path] = {}
    for name, photos in by_package.items():
        pkg = PACKAGES[name]
        deb = fetch_package(pkg, cache)
        unpacked = cache / f"{pkg.name}_{pkg.version.replace(':', '%3a')}"
        extract(deb, [p.path for p in photos], unpacked)
        for photo in photos:
            source = unpacked / photo.path
            digest = sha256_of(source)
            if digest != photo.sha256:
                sys.exit(f"{source}: sha256 {digest}, expected {photo.sha256} "
                         f"(the package's file changed: review it and update PHOTOS)")
            sources[photo.name] = source

    MEDIA.mkdir(exist_ok=True)
    stale = [f for f in MEDIA.iterdir() if f.is_file() and f.name not in names
             and f.name != "LICENSES.md"]
    for f in stale:
        print(f"removing {f.relative_to(ROOT)} (not in PHOTOS)", file=sys.stderr)
        f.unlink()
    total = 0
    for photo in PHOTOS:
        data = render(photo, sources[photo.name])
        check_render(photo, data, sources[photo.name])
        (MEDIA / photo.name).write_bytes(data)
        total += len(data)
        print(f"{len(data) / 1024:8.1f} KiB  Media/{photo.name}")
    (MEDIA / "LICENSES.md").write_text(licences_markdown(), encoding="utf-8")
    print(f"{len(PHOTOS)} photos, {total / 1024 / 1024:.2f} MiB in all; wrote Media/LICENSES.md")


if __name__ == "__main__":
    main()
