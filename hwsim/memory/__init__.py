"""On-chip SRAM buffers and DRAM interfaces."""
