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
    /// (nil: unreadable, drawn as a grey cell). Returns the image and how many images were missing.
    public static func row(query: RankList.Item, teacher: [RankList.Item], student: [RankList.Item],
                           load: (String) -> RGBImage?) -> (RGBImage, missing: Int) {
        let h = ReportDefaults.cellHeight, w = ReportDefaults.cellWidth
        var missing = 0
        func cell(_ item: RankList.Item, frame: (UInt8, UInt8, UInt8)) -> RGBImage {
            guard let img = load(item.path) else { missing += 1; return framed(RGBImage(width: w, height: h, fill: Self.missing), frame) }
            return framed(Resize.bilinear(img, height: h, width: w), frame)
        }
        let spacer = RGBImage(width: w / 4, height: h, fill: (255, 255, 255))
        var parts: [RGBImage] = [cell(query, frame: blue), spacer, spacer]
        parts += teacher.map { cell($0, frame: $0.match ? green : red) }
        parts += [spacer, spacer]
        parts += student.map { cell($0, frame: $0.match ? green : red) }
        return (hconcat(parts, gap: 2), missing)
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
