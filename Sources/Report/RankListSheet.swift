// Rank-list images: for one query, the query image, then the teacher's top-k gallery images, then
// the student's, each framed green (same identity) or red (different identity), in one PNG row.
// The query gets a blue frame; a grey gap separates the three parts.
import Foundation
import Data
import Eval

public enum RankListSheet {
    static let green: (UInt8, UInt8, UInt8) = (0, 170, 0), red: (UInt8, UInt8, UInt8) = (220, 0, 0)
    static let blue: (UInt8, UInt8, UInt8) = (30, 90, 220), missing: (UInt8, UInt8, UInt8) = (200, 200, 200)

    /// One row: query | teacher top-k | student top-k. `load` reads an image by its stored path
    /// (nil: unreadable, drawn as a grey cell). Cells are `ReportDefaults.cellHeight` high and as
    /// wide as the dataset's crops are for that height (the query's shape, else the first readable
    /// image's; 1:2 when none is readable), so square vehicle crops stay square; an image of
    /// another shape is fitted inside its cell without distortion. Returns the image and how many
    /// images were missing.
    public static func row(query: RankList.Item, teacher: [RankList.Item], student: [RankList.Item],
                           load: (String) -> RGBImage?) -> (RGBImage, missing: Int) {
        let items = [query] + teacher + student
        let images = items.map { load($0.path) }
        let h = ReportDefaults.cellHeight, w = cellWidth(for: images.compactMap { $0 }.first, height: h)
        let cells = zip(items, images).enumerated().map { i, p -> RGBImage in
            let frame = i == 0 ? blue : p.0.match ? green : red
            return framed(p.1.map { fit($0, height: h, width: w) } ?? RGBImage(width: w, height: h, fill: Self.missing), frame)
        }
        let spacer = RGBImage(width: max(1, w / 4), height: h, fill: (255, 255, 255))
        let t = teacher.count
        let parts = [cells[0], spacer, spacer] + cells[1..<(1 + t)] + [spacer, spacer] + cells[(1 + t)...]
        return (hconcat(parts, gap: 2), images.filter { $0 == nil }.count)
    }

    /// The cell width that keeps `img`'s aspect ratio at `height` (between ¼ and 4 times the height).
    static func cellWidth(for img: RGBImage?, height h: Int) -> Int {
        guard let img, img.height > 0 else { return ReportDefaults.cellWidth * h / ReportDefaults.cellHeight }
        return min(4 * h, max(h / 4, Int((Double(h) * Double(img.width) / Double(img.height)).rounded())))
    }

    /// `img` scaled to fit a height × width cell without changing its aspect ratio, centred on white.
    static func fit(_ img: RGBImage, height h: Int, width w: Int) -> RGBImage {
        let k = min(Double(w) / Double(img.width), Double(h) / Double(img.height))
        let sw = min(w, max(1, Int((k * Double(img.width)).rounded()))), sh = min(h, max(1, Int((k * Double(img.height)).rounded())))
        let scaled = Resize.bilinear(img, height: sh, width: sw)
        if sw == w && sh == h { return scaled }
        var out = RGBImage(width: w, height: h, fill: (255, 255, 255))
        let ox = (w - sw) / 2, oy = (h - sh) / 2
        for y in 0..<sh {
            let src = 3 * y * sw, dst = 3 * ((oy + y) * w + ox)
            out.pixels.replaceSubrange(dst..<(dst + 3 * sw), with: scaled.pixels[src..<(src + 3 * sw)])
        }
        return out
    }

    /// Draws a `ReportDefaults.frameWidth` border of `color` inside the image.
    static func framed(_ img: RGBImage, _ color: (UInt8, UInt8, UInt8)) -> RGBImage {
        var out = img
        let t = min(ReportDefaults.frameWidth, img.width / 4, img.height / 4)
        for y in 0..<img.height {
            for x in 0..<img.width where x < t || y < t || x >= img.width - t || y >= img.height - t {
                let i = 3 * (y * img.width + x)
                out.pixels[i] = color.0; out.pixels[i + 1] = color.1; out.pixels[i + 2] = color.2
            }
        }
        return out
    }

    /// Images side by side (same height) on white, `gap` pixels apart and around.
    static func hconcat(_ imgs: [RGBImage], gap: Int) -> RGBImage {
        let H = (imgs.map(\.height).max() ?? 1) + 2 * gap
        let W = imgs.map(\.width).reduce(0, +) + gap * (imgs.count + 1)
        var out = RGBImage(width: W, height: H, fill: (255, 255, 255))
        var ox = gap
        for img in imgs {
            for y in 0..<img.height {
                let s = 3 * y * img.width, d = 3 * ((gap + y) * W + ox)
                out.pixels.replaceSubrange(d..<(d + 3 * img.width), with: img.pixels[s..<(s + 3 * img.width)])
            }
            ox += img.width + gap
        }
        return out
    }
}
