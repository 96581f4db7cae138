# Vulkan for Dawn (dawn.node), set before Node starts (the dynamic loader reads LD_LIBRARY_PATH at start-up only).
# Sourced by local.sh and by the packed run.sh:   . vulkan-env.sh [DIR_WITH_A_FALLBACK_libvulkan.so.1]
#
#  - ICD (the driver): a VK_ICD_FILENAMES / VK_DRIVER_FILES already set is kept. Otherwise, where an NVIDIA ICD is
#    installed the Vulkan loader finds it itself; where only the NVIDIA driver library is (a container given the
#    GPU's libraries without the ICD file), an ICD file naming libGLX_nvidia.so.0 is written to a temporary folder.
#    VK_ICD_FILENAMES is set to SwiftShader (a CPU implementation) only when its JSON exists (Debian's Chromium ships
#    /usr/lib/chromium/vk_swiftshader_icd.json) and no NVIDIA driver was found.
#  - Loader (libvulkan.so.1): the system's when it has one; else the fallback folder given (the pack's lib/), else
#    Chromium's folder, prepended to LD_LIBRARY_PATH.
# Set DEVICE_CHECK_NO_SWIFTSHADER=1 to never choose SwiftShader. What was chosen is printed to stderr.

_dc_log() { printf 'vulkan-env: %s\n' "$*" >&2; }

_dc_find_lib() { # prints the path of a library the dynamic loader can find, or nothing
  local name="$1" ldconfig d found
  for ldconfig in /sbin/ldconfig /usr/sbin/ldconfig; do
    if [ -x "$ldconfig" ]; then
      found="$("$ldconfig" -p 2>/dev/null | awk -v n="$name" '$1 == n && /x86-64|x86_64|64bit/ { print $NF; exit }')"
      if [ -n "$found" ]; then printf '%s\n' "$found"; return 0; fi
      break
    fi
  done
  for d in /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib /lib/x86_64-linux-gnu /lib64 /usr/local/lib /usr/local/nvidia/lib64; do
    if [ -e "$d/$name" ]; then printf '%s\n' "$d/$name"; return 0; fi
  done
  return 0
}

_dc_nvidia_icd() { # prints an installed NVIDIA ICD JSON, or nothing
  local d f
  for d in /etc/vulkan/icd.d /usr/share/vulkan/icd.d /usr/local/share/vulkan/icd.d /etc/xdg/vulkan/icd.d; do
    for f in "$d"/nvidia*.json; do
      if [ -f "$f" ]; then printf '%s\n' "$f"; return 0; fi
    done
  done
  return 0
}

_dc_setup_vulkan() {
  local fallback="${1:-}" swiftshader=/usr/lib/chromium/vk_swiftshader_icd.json icd glx loader dir
  if [ -n "${VK_ICD_FILENAMES:-}" ] || [ -n "${VK_DRIVER_FILES:-}" ]; then
    _dc_log "ICD as given: ${VK_ICD_FILENAMES:-$VK_DRIVER_FILES}"
  else
    icd="$(_dc_nvidia_icd)"
    glx="$(_dc_find_lib libGLX_nvidia.so.0)"
    if [ -n "$icd" ]; then
      _dc_log "NVIDIA ICD found: $icd (the loader finds it)"
    elif [ -n "$glx" ]; then
      dir="$(mktemp -d "${TMPDIR:-/tmp}/device-check-icd.XXXXXX")"
      printf '{"file_format_version": "1.0.0", "ICD": {"library_path": "%s", "api_version": "1.3.0"}}\n' "$glx" >"$dir/nvidia_icd.json"
      export VK_ICD_FILENAMES="$dir/nvidia_icd.json"
      _dc_log "no NVIDIA ICD file, but $glx: wrote $VK_ICD_FILENAMES"
    elif [ -f "$swiftshader" ] && [ -z "${DEVICE_CHECK_NO_SWIFTSHADER:-}" ]; then
      export VK_ICD_FILENAMES="$swiftshader"
      _dc_log "no NVIDIA driver; SwiftShader (CPU) ICD: $swiftshader"
    else
      _dc_log "no NVIDIA ICD, no libGLX_nvidia.so.0, no SwiftShader: Dawn will look for any Vulkan driver itself"
      if [ -e /dev/nvidiactl ] || [ -e /dev/nvidia0 ]; then
        _dc_log "an NVIDIA device node exists but its Vulkan driver (libGLX_nvidia.so.0) is not visible: in a container, the 'graphics' driver capability (NVIDIA_DRIVER_CAPABILITIES) is needed"
      fi
    fi
  fi
  loader="$(_dc_find_lib libvulkan.so.1)"
  if [ -n "$loader" ]; then
    _dc_log "Vulkan loader: $loader (system)"
  else
    for dir in "$fallback" /usr/lib/chromium; do
      if [ -n "$dir" ] && [ -e "$dir/libvulkan.so.1" ]; then
        export LD_LIBRARY_PATH="$dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
        _dc_log "Vulkan loader: $dir/libvulkan.so.1 (the system has none)"
        return 0
      fi
    done
    _dc_log "no Vulkan loader (libvulkan.so.1) anywhere: WebGPU will find no adapter"
  fi
}

_dc_setup_vulkan "${1:-}"
