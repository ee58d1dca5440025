#pragma once
// Scale decoding shared by the codebook types' dequantizers and dot products.
#include <cstdint>

#include "kernels/blocks.h"

namespace heft::kernels {

// MXFP4's E8M0 exponent as 2^(e-128): half the scale, because kFp4Values holds 2 * E2M1.
float e8m0_to_fp32_half(uint8_t e);

// IQ4_XS sub-block ib's signed 6-bit scale, in [-32, 31].
int iq4_xs_scale(const BlockIQ4_XS& b, int ib);

}  // namespace heft::kernels
