//! SVG to PNG with `resvg`, in the font that ships with Alliance
//! (`assets/fonts/DejaVuSans.ttf`, its licence beside it): no system font
//! is looked for, so the picture is the same on every machine.

use resvg::{tiny_skia, usvg};
use std::sync::{Arc, OnceLock};

/// The font every picture is drawn in.
pub const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

fn options() -> &'static usvg::Options<'static> {
    static OPTIONS: OnceLock<usvg::Options<'static>> = OnceLock::new();
    OPTIONS.get_or_init(|| {
        let mut fonts = usvg::fontdb::Database::new();
        fonts.load_font_data(FONT.to_vec());
        usvg::Options {
            font_family: "DejaVu Sans".into(),
            fontdb: Arc::new(fonts),
            ..usvg::Options::default()
        }
    })
}

/// Why a picture could not be drawn (a bug: the SVG is ours).
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("the picture's SVG did not parse: {0}")]
    Svg(String),
    #[error("the picture is too large to draw")]
    Size,
    #[error("the picture could not be encoded as PNG: {0}")]
    Png(String),
}

/// Draws `svg` at its own size and encodes it as PNG.
pub fn render(svg: &str) -> Result<Vec<u8>, RenderError> {
    let tree = usvg::Tree::from_str(svg, options()).map_err(|e| RenderError::Svg(e.to_string()))?;
    let size = tree.size().to_int_size();
    let mut pixmap =
        tiny_skia::Pixmap::new(size.width(), size.height()).ok_or(RenderError::Size)?;
    resvg::render(
        &tree,
        tiny_skia::Transform::identity(),
        &mut pixmap.as_mut(),
    );
    encode(&pixmap)
}

/// The picture as an RGB PNG (its background is opaque white, so no
/// alpha), compressed for speed. Measured on 40 rows (`cargo bench --bench
/// timeline`): tiny-skia's own encoder (RGBA, default compression) took
/// 36 of a picture's 47 ms; `Fast` takes 5 ms for 239 KB instead of
/// 135 KB, `Balanced` 25 ms for 135 KB. A quarter of a megabyte is nothing
/// to upload; the time is a worker's.
pub fn encode(pixmap: &tiny_skia::Pixmap) -> Result<Vec<u8>, RenderError> {
    let mut rgb = Vec::with_capacity(pixmap.pixels().len() * 3);
    for pixel in pixmap.pixels() {
        let c = pixel.demultiply();
        rgb.extend_from_slice(&[c.red(), c.green(), c.blue()]);
    }
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, pixmap.width(), pixmap.height());
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let png_error = |e: png::EncodingError| RenderError::Png(e.to_string());
    let mut writer = encoder.write_header().map_err(png_error)?;
    writer.write_image_data(&rgb).map_err(png_error)?;
    writer.finish().map_err(png_error)?;
    Ok(bytes)
}
