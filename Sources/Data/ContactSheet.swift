// A grid of images in one PNG — to look at a dataset (or a synthetic setting) at a glance.
import Foundation

public enum ContactSheet {
    /// Tiles `images` left to right, `columns` per row, each resized to `cellHeight`×`cellWidth`,
    /// with a 2-pixel white gap.
    public static func make(_ images: [RGBImage], columns: Int, cellHeight: Int, cellWidth: Int) -> RGBImage {
        precondition(!images.isEmpty && columns > 0, "ContactSheet.make: needs at least one image and one column")
        let gap = 2, cols = min(columns, images.count), rows = (images.count + cols - 1) / cols
        let W = cols * (cellWidth + gap) + gap, H = rows * (cellHeight + gap) + gap
        var sheet = RGBImage(width: W, height: H, fill: (255, 255, 255))
        for (i, img) in images.enumerated() {
            let cell = Resize.bilinear(img, height: cellHeight, width: cellWidth)
            let ox = gap + (i % cols) * (cellWidth + gap), oy = gap + (i / cols) * (cellHeight + gap)
            for y in 0..<cellHeight {
                let s = 3 * y * cellWidth, d = 3 * ((oy + y) * W + ox)
                sheet.pixels.replaceSubrange(d..<(d + 3 * cellWidth), with: cell.pixels[s..<(s + 3 * cellWidth)])
            }
        }
        return sheet
    }
}
