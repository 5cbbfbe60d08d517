;; The hot case of the tokenizer in WebAssembly: overlapping k-mers, stride 1, head
;; truncation, for rows whose bases are all A, C, G or T. V8 compiles this loop to about
;; twice the speed of the same loop in JavaScript (no typed-array bounds checks, no
;; deoptimization guards). Compiled into overlapping-kernel-wasm.ts by `make wasm`.
;;
;; Memory, laid out by overlapping-kernel.ts: bytes 0-255 hold the 2-bit code of each byte
;; (A=0 C=1 G=2 T=3 in either case, 4 or more for anything else); the caller places the
;; packed sequences, their row offsets (Int32, relative to the sequences) and the output rows
;; (Int32, `maxTokens` per row) after it.
(module
  (memory (export "memory") 1)

  ;; Writes rows [row, rows): [CLS] when `cls` is set, then one id (5 + 2-bit code) per k-mer
  ;; until the row is full or the sequence ends, then [PAD] (0) to the end of the row. Returns
  ;; `rows`, or the first row holding a byte other than A/C/G/T before its row is full: that
  ;; row is left to the general tokenizer, which then resumes this function at the next row.
  (func (export "encodeRows")
    (param $sequences i32) (param $offsets i32) (param $row i32) (param $rows i32)
    (param $out i32) (param $maxTokens i32) (param $k i32) (param $cls i32)
    (result i32)
    (local $at i32) (local $end i32) (local $warm i32) (local $stop i32)
    (local $code i32) (local $base i32) (local $mask i32) (local $slot i32) (local $slotEnd i32)
    (local.set $mask
      (i32.sub (i32.shl (i32.const 1) (i32.shl (local.get $k) (i32.const 1))) (i32.const 1)))
    (block $done
      (loop $nextRow
        (br_if $done (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $at
          (i32.add (local.get $sequences)
            (i32.load (i32.add (local.get $offsets) (i32.shl (local.get $row) (i32.const 2))))))
        (local.set $end
          (i32.add (local.get $sequences)
            (i32.load offset=4 (i32.add (local.get $offsets) (i32.shl (local.get $row) (i32.const 2))))))
        (local.set $slot
          (i32.add (local.get $out)
            (i32.shl (i32.mul (local.get $row) (local.get $maxTokens)) (i32.const 2))))
        (local.set $slotEnd (i32.add (local.get $slot) (i32.shl (local.get $maxTokens) (i32.const 2))))
        (if (local.get $cls)
          (then
            (i32.store (local.get $slot) (i32.const 2))
            (local.set $slot (i32.add (local.get $slot) (i32.const 4)))))
        ;; The first k - 1 bases fill the window without making a token.
        (local.set $code (i32.const 0))
        (local.set $warm (i32.add (local.get $at) (i32.sub (local.get $k) (i32.const 1))))
        (if (i32.gt_u (local.get $warm) (local.get $end)) (then (local.set $warm (local.get $end))))
        (block $warmed
          (loop $warmBase
            (br_if $warmed (i32.ge_u (local.get $at) (local.get $warm)))
            (local.set $base (i32.load8_u (i32.load8_u (local.get $at))))
            (if (i32.gt_u (local.get $base) (i32.const 3)) (then (return (local.get $row))))
            (local.set $code
              (i32.and (i32.or (i32.shl (local.get $code) (i32.const 2)) (local.get $base)) (local.get $mask)))
            (local.set $at (i32.add (local.get $at) (i32.const 1)))
            (br $warmBase)))
        ;; Then a token per base, until the sequence ends or the row is full.
        (local.set $stop
          (i32.add (local.get $warm)
            (i32.shr_u (i32.sub (local.get $slotEnd) (local.get $slot)) (i32.const 2))))
        (if (i32.gt_u (local.get $stop) (local.get $end)) (then (local.set $stop (local.get $end))))
        (block $full
          (loop $token
            (br_if $full (i32.ge_u (local.get $at) (local.get $stop)))
            (local.set $base (i32.load8_u (i32.load8_u (local.get $at))))
            (if (i32.gt_u (local.get $base) (i32.const 3)) (then (return (local.get $row))))
            (local.set $code
              (i32.and (i32.or (i32.shl (local.get $code) (i32.const 2)) (local.get $base)) (local.get $mask)))
            (i32.store (local.get $slot) (i32.add (local.get $code) (i32.const 5)))
            (local.set $slot (i32.add (local.get $slot) (i32.const 4)))
            (local.set $at (i32.add (local.get $at) (i32.const 1)))
            (br $token)))
        (memory.fill (local.get $slot) (i32.const 0) (i32.sub (local.get $slotEnd) (local.get $slot)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $nextRow)))
    (local.get $rows)))
