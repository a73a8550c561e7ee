// png_check: says whether a screenshot is what the viewer should have drawn. Checks the size, that
// it is not blank (at least N distinct colours), and that given colours appear (exact RGB, as the
// viewer fills stage boxes with its palette), each in at least M pixels.
//
//   png_check FILE --size WxH --min-colours N [--colour R,G,B[,MIN_PIXELS]]... [--no-colour R,G,B[,MAX_PIXELS]]...
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_set>
#include <vector>

#include <stb_image.h>

namespace {

struct Wanted {
  int r = 0, g = 0, b = 0;
  long min_pixels = 20;  // at least this many; at most, for a colour that must be absent
  bool absent = false;
};

bool parse_colour(const char* text, Wanted* w) {
  const int n = std::sscanf(text, "%d,%d,%d,%ld", &w->r, &w->g, &w->b, &w->min_pixels);
  return n >= 3;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: png_check FILE --size WxH --min-colours N [--colour R,G,B[,MIN]]... [--no-colour R,G,B]...\n");
    return 2;
  }
  const char* path = argv[1];
  int want_w = 0, want_h = 0;
  long min_colours = 0;
  std::vector<Wanted> wanted;
  for (int i = 2; i + 1 < argc; i += 2) {
    Wanted w;
    if (std::strcmp(argv[i], "--size") == 0 && std::sscanf(argv[i + 1], "%dx%d", &want_w, &want_h) == 2) continue;
    if (std::strcmp(argv[i], "--min-colours") == 0) {
      min_colours = std::atol(argv[i + 1]);
      continue;
    }
    if ((std::strcmp(argv[i], "--colour") == 0 || std::strcmp(argv[i], "--no-colour") == 0) && parse_colour(argv[i + 1], &w)) {
      w.absent = std::strcmp(argv[i], "--no-colour") == 0;
      if (w.absent && std::count(argv[i + 1], argv[i + 1] + std::strlen(argv[i + 1]), ',') < 3) w.min_pixels = 0;
      wanted.push_back(w);
      continue;
    }
    std::fprintf(stderr, "png_check: bad argument %s %s\n", argv[i], argv[i + 1]);
    return 2;
  }
  int w = 0, h = 0, channels = 0;
  unsigned char* pixels = stbi_load(path, &w, &h, &channels, 3);
  if (pixels == nullptr) {
    std::fprintf(stderr, "png_check: %s: cannot read a PNG (%s)\n", path, stbi_failure_reason());
    return 1;
  }
  int failures = 0;
  if ((want_w && w != want_w) || (want_h && h != want_h)) {
    std::fprintf(stderr, "png_check: %s is %dx%d, expected %dx%d\n", path, w, h, want_w, want_h);
    ++failures;
  }
  std::unordered_set<unsigned> colours;
  std::vector<long> counts(wanted.size(), 0);
  for (long p = 0; p < long(w) * h; ++p) {
    const unsigned char* px = pixels + p * 3;
    colours.insert(unsigned(px[0]) << 16 | unsigned(px[1]) << 8 | px[2]);
    for (size_t k = 0; k < wanted.size(); ++k) {
      counts[k] += px[0] == wanted[k].r && px[1] == wanted[k].g && px[2] == wanted[k].b;
    }
  }
  stbi_image_free(pixels);
  std::printf("%s: %dx%d, %zu distinct colours\n", path, w, h, colours.size());
  if (static_cast<long>(colours.size()) < min_colours) {
    std::fprintf(stderr, "png_check: %s has %zu distinct colours, expected at least %ld (blank?)\n", path, colours.size(), min_colours);
    ++failures;
  }
  for (size_t k = 0; k < wanted.size(); ++k) {
    const Wanted& c = wanted[k];
    std::printf("  rgb(%d,%d,%d): %ld pixels\n", c.r, c.g, c.b, counts[k]);
    // For --no-colour, min_pixels is the most allowed (legends show every colour in a few pixels).
    if (c.absent ? counts[k] > c.min_pixels : counts[k] < c.min_pixels) {
      std::fprintf(stderr, "png_check: %s: rgb(%d,%d,%d) in %ld pixels, expected %s %ld\n", path, c.r, c.g, c.b, counts[k],
                   c.absent ? "at most" : "at least", c.min_pixels);
      ++failures;
    }
  }
  return failures == 0 ? 0 : 1;
}
