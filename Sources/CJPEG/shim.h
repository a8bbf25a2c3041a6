#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>

// libjpeg reports fatal errors through error_exit, which by default calls exit(). Swift cannot
// catch a longjmp, so the whole decode runs here in C: error_exit longjmps back to
// reidkd_jpeg_decode, which returns a nonzero code and the library's message instead.

struct reidkd_jpeg_error {
    struct jpeg_error_mgr mgr;
    jmp_buf jump;
};

static void reidkd_jpeg_error_exit(j_common_ptr cinfo) {
    struct reidkd_jpeg_error *err = (struct reidkd_jpeg_error *)cinfo->err;
    longjmp(err->jump, 1);
}

static void reidkd_jpeg_silence(j_common_ptr cinfo) { (void)cinfo; }

/// Decodes a JPEG held in memory to interleaved RGB8. On success returns 0 and sets *out (malloc'd,
/// caller frees with free()), *width, *height. On failure returns 1 and writes the library's message
/// into message (size messageSize). When the header declares more than maxSide pixels per side or
/// maxPixels in all, returns 2 with *width, *height set, before anything is allocated for pixels.
static inline int reidkd_jpeg_decode(const unsigned char *data, unsigned long size,
                                     int maxSide, long maxPixels,
                                     unsigned char **out, int *width, int *height,
                                     char *message, int messageSize) {
    struct jpeg_decompress_struct cinfo;
    struct reidkd_jpeg_error jerr;
    unsigned char *volatile buffer = NULL;
    *out = NULL; *width = 0; *height = 0;
    cinfo.err = jpeg_std_error(&jerr.mgr);
    jerr.mgr.error_exit = reidkd_jpeg_error_exit;
    jerr.mgr.output_message = reidkd_jpeg_silence;
    if (setjmp(jerr.jump)) {
        char text[JMSG_LENGTH_MAX];
        (*cinfo.err->format_message)((j_common_ptr)&cinfo, text);
        snprintf(message, (size_t)messageSize, "%s", text);
        jpeg_destroy_decompress(&cinfo);
        free(buffer);
        return 1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, size);
    jpeg_read_header(&cinfo, TRUE);
    if (cinfo.image_width > (JDIMENSION)maxSide || cinfo.image_height > (JDIMENSION)maxSide ||
        (long)cinfo.image_width * (long)cinfo.image_height > maxPixels) {
        *width = (int)cinfo.image_width; *height = (int)cinfo.image_height;
        snprintf(message, (size_t)messageSize, "image too large");
        jpeg_destroy_decompress(&cinfo);
        return 2;
    }
    cinfo.out_color_space = JCS_RGB;
    jpeg_start_decompress(&cinfo);
    if (cinfo.output_components != 3) {
        snprintf(message, (size_t)messageSize, "unsupported JPEG colour layout (%d components)", cinfo.output_components);
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }
    size_t stride = (size_t)cinfo.output_width * 3;
    buffer = (unsigned char *)malloc(stride * cinfo.output_height);
    if (!buffer) {
        snprintf(message, (size_t)messageSize, "out of memory");
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        unsigned char *row = buffer + stride * cinfo.output_scanline;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    // A truncated stream makes libjpeg insert fake EOI markers and only warn; treat that as an error.
    int truncated = jerr.mgr.num_warnings > 0;
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    if (truncated) {
        snprintf(message, (size_t)messageSize, "corrupt or truncated JPEG data");
        free(buffer);
        return 1;
    }
    *out = buffer; *width = (int)cinfo.output_width; *height = (int)cinfo.output_height;
    return 0;
}

/// Encodes interleaved RGB8 to JPEG in memory (for tests and fixtures). Returns 0 on success;
/// *out is malloc'd by libjpeg (free with free()).
/// With gray != 0, writes a one-component (grayscale) JPEG from the red channel.
static inline int reidkd_jpeg_encode(const unsigned char *rgb, int width, int height, int quality, int gray,
                                     unsigned char **out, unsigned long *outSize,
                                     char *message, int messageSize) {
    struct jpeg_compress_struct cinfo;
    struct reidkd_jpeg_error jerr;
    *out = NULL; *outSize = 0;
    cinfo.err = jpeg_std_error(&jerr.mgr);
    jerr.mgr.error_exit = reidkd_jpeg_error_exit;
    jerr.mgr.output_message = reidkd_jpeg_silence;
    if (setjmp(jerr.jump)) {
        char text[JMSG_LENGTH_MAX];
        (*cinfo.err->format_message)((j_common_ptr)&cinfo, text);
        snprintf(message, (size_t)messageSize, "%s", text);
        jpeg_destroy_compress(&cinfo);
        return 1;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, out, outSize);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = gray ? 1 : 3;
    cinfo.in_color_space = gray ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    size_t stride = (size_t)width * 3;
    unsigned char *grayRow = gray ? (unsigned char *)malloc((size_t)width) : NULL;
    while (cinfo.next_scanline < cinfo.image_height) {
        unsigned char *row = (unsigned char *)rgb + stride * cinfo.next_scanline;
        if (gray) {
            for (int x = 0; x < width; x++) grayRow[x] = row[3 * x];
            row = grayRow;
        }
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    free(grayRow);
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    return 0;
}
