{
  "targets": [
    {
      "target_name": "t2vlp",
      "sources": [
        "native/src/addon.cc",
        "native/src/handle.cc",
        "native/src/create.cc",
        "native/src/autograd.cc",
        "native/src/system.cc",
        "native/src/dist.cc",
        "native/src/precision.cc",
        "native/src/gen/ops.gen.cc"
      ],
      "include_dirs": [
        "<!@(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node native/find-libtorch.mjs include)",
        "<!@(node native/find-libtorch.mjs glooinclude)",
        "<!@(node native/find-libtorch.mjs ncclinclude)"
      ],
      "defines": [
        "NAPI_EXPERIMENTAL",
        "NODE_ADDON_API_CPP_EXCEPTIONS",
        "NODE_ADDON_API_CPP_EXCEPTIONS_ALL",
        "<!@(node native/find-libtorch.mjs defines)",
        "_GLIBCXX_USE_CXX11_ABI=<!(node native/find-libtorch.mjs abi)"
      ],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20"],
      "cflags_cc": [
        "-std=<!(node native/find-libtorch.mjs cxxstd)",
        "-fexceptions",
        "-frtti",
        "-O2",
        "-Wno-unused-parameter",
        "-Wno-deprecated-declarations",
        "-Wno-interference-size"
      ],
      "libraries": [
        "-L<!(node native/find-libtorch.mjs libdir)",
        "<!@(node native/find-libtorch.mjs libs)",
        "-Wl,-rpath,<!(node native/find-libtorch.mjs libdir)"
      ]
    }
  ]
}
