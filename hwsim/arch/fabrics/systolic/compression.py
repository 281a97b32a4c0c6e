"""Run-length compression of activations on their way to and from DRAM (buffers.activation_compression
rlc): Eyeriss's format (Chen et al., JSSC 52(1) 2017, Sec. V-A): a 64-bit word holds three (run,
level) pairs, a 5-bit count of zeros before a 16-bit value, and a 1-bit last-word flag.

For a value width w the pairs per word are floor((64 - 1) / (5 + w)) (3 at 16 bits, 4 at 8). A pair
covers at most 2^5 = 32 elements (31 zeros, then a value, itself zero when the run is longer). With
a fraction d of nonzero elements, independent of position, a pair covers E[min(G, 32)] = (1 -
(1 - d)^32) / d elements on average (G geometric with success d), so (derived)

    compressed / raw bits = d / (1 - (1 - d)^32) x 64 / pairs per word / w

and the codec is bypassed where that exceeds 1 (assumption: dense data goes uncompressed; Eyeriss
itself leaves CONV1's input image uncompressed). The encoder and decoder are priced as one register
write per compressed bit (each pair is assembled in, or read out of, a register once).
"""

from __future__ import annotations

from numba import njit

RLC_WORD_BITS = 64   # JSSC 2017 Sec. V-A
RLC_RUN_BITS = 5     # JSSC 2017 Sec. V-A
RLC_LAST_BITS = 1    # JSSC 2017 Sec. V-A: marks the last word of a run


@njit(cache=True)
def rlc_ratio(density, value_bits):
    """Compressed over raw DRAM bits of activations ``value_bits`` wide with a fraction ``density``
    of nonzeros (the module's formula; 1.0 where compression would not pay)."""
    pairs_per_word = (RLC_WORD_BITS - RLC_LAST_BITS) // (RLC_RUN_BITS + value_bits)
    if pairs_per_word < 1 or density >= 1.0:
        return 1.0
    run = 2.0 ** RLC_RUN_BITS
    pairs_per_element = density / (1.0 - (1.0 - density) ** run)
    return min(1.0, pairs_per_element * RLC_WORD_BITS / pairs_per_word / value_bits)
