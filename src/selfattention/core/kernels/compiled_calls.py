"""What the fused kernel's compiled loops (:mod:`.compiled_tiles`) call that numba does not
offer, as numba intrinsics: a CBLAS gemm at an address found at run time (NumPy's own BLAS,
:mod:`.blas`), and what threads need to share work without the GIL (atomic counters, the
cycle counter and the spin-wait hint of :mod:`.spin_pool`).

The address is an argument, not a constant, so the loops that call it stay in numba's cache.
Only :mod:`.compiled_tiles` imports this module (numba is the optional extra
``selfattention[fast]``).
"""

from __future__ import annotations

import platform
from typing import Any

from llvmlite import ir
from numba import types
from numba.core.extending import intrinsic

from .blas import NO_TRANS, ROW_MAJOR

__all__ = ["add", "gemm32", "gemm64", "pause", "read", "ticks"]


def _gemm_typer(int_bits: int) -> Any:
    """A typer for ``gemm(address, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)``:
    row-major C = alpha A op(B) + beta C through the CBLAS function at ``address``, with
    integers of ``int_bits``. Pointers and the address are int64; alpha and beta are the
    element type (float32 or float64)."""

    def typer(
        typingctx: Any,
        address: Any,
        trans_b: Any,
        m: Any,
        n: Any,
        k: Any,
        alpha: Any,
        a: Any,
        lda: Any,
        b: Any,
        ldb: Any,
        beta: Any,
        c: Any,
        ldc: Any,
    ) -> Any:
        real, i64 = alpha, types.int64
        signature = types.void(i64, i64, i64, i64, i64, real, i64, i64, i64, i64, real, i64, i64)

        def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
            address, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc = args
            flt = ir.FloatType() if real == types.float32 else ir.DoubleType()
            i32, integer, pointer = ir.IntType(32), ir.IntType(int_bits), flt.as_pointer()
            function = ir.FunctionType(
                ir.VoidType(), [i32, i32, i32, integer, integer, integer, flt, pointer, integer, pointer, integer, flt,
                                pointer, integer],
            )  # fmt: skip

            def whole(x: Any) -> Any:
                return x if int_bits == 64 else builder.trunc(x, integer)

            builder.call(
                builder.inttoptr(address, function.as_pointer()),
                [ir.Constant(i32, ROW_MAJOR), ir.Constant(i32, NO_TRANS), builder.trunc(trans_b, i32),
                 whole(m), whole(n), whole(k), alpha, builder.inttoptr(a, pointer), whole(lda),
                 builder.inttoptr(b, pointer), whole(ldb), beta, builder.inttoptr(c, pointer), whole(ldc)],
            )  # fmt: skip
            return context.get_dummy_value()

        return signature, codegen

    return typer


gemm64: Any = intrinsic(_gemm_typer(64))
gemm32: Any = intrinsic(_gemm_typer(32))


def _add_typer(typingctx: Any, counters: Any, index: Any, amount: Any) -> Any:
    """``add(counters, index, amount)``: counters[index] += amount atomically (sequentially
    consistent), returning the value before: work items, seats and busy counts that threads
    share without the GIL."""

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        array = context.make_array(signature.args[0])(context, builder, args[0])
        return builder.atomic_rmw("add", builder.gep(array.data, [args[1]]), args[2], "seq_cst")

    return types.int64(counters, types.int64, types.int64), codegen


add: Any = intrinsic(_add_typer)


def _read_typer(typingctx: Any, counters: Any, index: Any) -> Any:
    """``read(counters, index)``: counters[index], read atomically (acquire): a loop that waits
    for another thread's write sees it, which a plain load, hoisted out of the loop, may not."""

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        array = context.make_array(signature.args[0])(context, builder, args[0])
        return builder.load_atomic(builder.gep(array.data, [args[1]]), "acquire", 8)

    return types.int64(counters, types.int64), codegen


read: Any = intrinsic(_read_typer)


def _declared(builder: Any, function: ir.FunctionType, name: str) -> Any:
    """The LLVM function ``name`` of type ``function`` in the module being built."""
    existing = builder.module.globals.get(name)
    return existing if existing is not None else ir.Function(builder.module, function, name)


def _ticks_typer(typingctx: Any) -> Any:
    """``ticks()``: the processor's cycle counter (rdtsc on x86): a clock for spinning loops."""

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        function = ir.FunctionType(ir.IntType(64), [])
        return builder.call(_declared(builder, function, "llvm.readcyclecounter"), [])

    return types.int64(), codegen


ticks: Any = intrinsic(_ticks_typer)

_X86 = platform.machine().lower() in ("x86_64", "amd64", "i386", "i686")


def _pause_typer(typingctx: Any) -> Any:
    """``pause()``: x86's spin-wait hint (``pause``), which lets the other hyperthread run and
    saves power in a waiting loop; nothing on other processors."""

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        if _X86:
            function = ir.FunctionType(ir.VoidType(), [])
            builder.call(_declared(builder, function, "llvm.x86.sse2.pause"), [])
        return context.get_dummy_value()

    return types.void(), codegen


pause: Any = intrinsic(_pause_typer)
