/* The reference loop for the k-mer kernel: pack 6-mers of every read (one sequence line
 * per read) with a rolling 2-bit window and a 256-entry table, in memory. Prints bases/s. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: pack6 READS.fa\n"); return 2; }
  FILE *f = fopen(argv[1], "rb");
  if (!f) { perror(argv[1]); return 1; }
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *data = malloc(size);
  if (fread(data, 1, size, f) != (size_t)size) { perror("read"); return 1; }
  fclose(f);
  uint8_t code[256];
  memset(code, 4, sizeof code);
  code['A'] = code['a'] = 0; code['C'] = code['c'] = 1;
  code['G'] = code['g'] = 2; code['T'] = code['t'] = 3;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  uint64_t checksum = 0, bases = 0;
  int32_t *ids = malloc(sizeof(int32_t) * 1024);
  for (long i = 0; i < size;) {
    if (data[i] == '>') { while (i < size && data[i] != '\n') i++; i++; continue; }
    uint32_t kmer = 0; int run = 0, n = 0;
    for (; i < size && data[i] != '\n'; i++, bases++) {
      uint8_t c = code[(uint8_t)data[i]];
      if (c < 4) { kmer = ((kmer << 2) | c) & 4095; run++; } else run = 0;
      if (run >= 6 && n < 1024) ids[n++] = 5 + (int32_t)kmer;
    }
    i++;
    for (int j = 0; j < n; j++) checksum += (uint32_t)ids[j];
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double seconds = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf("{\"bases\":%llu,\"seconds\":%.6f,\"checksum\":%llu}\n", (unsigned long long)bases, seconds,
         (unsigned long long)checksum);
  return 0;
}
