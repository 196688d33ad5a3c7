"""What the fused kernel's compiled loops (:mod:`.compiled_tiles`) call that numba does not
offer, as numba intrinsics: a CBLAS gemm at an address found at run time (NumPy's own BLAS,
:mod:`.blas`), and an atomic counter that threads share without the GIL.

The address is an argument, not a constant, so the loops that call it stay in numba's cache.
Only :mod:`.compiled_tiles` imports this module (numba is the optional extra
``selfattention[fast]``).
"""

from __future__ import annotations

from typing import Any

from llvmlite import ir
from numba import types
from numba.core.extending import intrinsic

from .blas import NO_TRANS, ROW_MAJOR

__all__ = ["gemm32", "gemm64", "take_next"]


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


def _take_next_typer(typingctx: Any, counter: Any) -> Any:
    """``take_next(counter)``: the value of counter[0] before adding 1 to it, atomically: the
    next work item, for threads that share a list of items without the GIL."""

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        array = context.make_array(signature.args[0])(context, builder, args[0])
        return builder.atomic_rmw("add", array.data, ir.Constant(ir.IntType(64), 1), "monotonic")

    return types.int64(counter), codegen


take_next: Any = intrinsic(_take_next_typer)
