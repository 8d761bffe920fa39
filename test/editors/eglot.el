;;; eglot.el --- drive text-analytics-ls from Emacs's eglot, in batch mode  -*- lexical-binding: t -*-

;; Drives text-analytics-ls from eglot (Debian's `emacs-nox' 28 and `elpa-eglot' 1.9) as a user
;; would: visit a document, wait for the personal-data diagnostics (as Flymake holds them), hover
;; the name, run `textAnalytics.sentiment', apply the "Redact ..." code action on the
;; e-mail address, undo.  It writes what the editor saw as one JSON object and exits 0, or 1 with
;; `error' saying which step failed.  Every wait is bounded, so a server that never answers ends the
;; run with an error.
;;
;; eglot 1.9 speaks UTF-16 with the server (`eglot-lsp-abiding-column'; it offers no
;; `general.positionEncodings') and Flymake holds diagnostics as buffer positions, which count
;; characters (Unicode code points); the output gives them as 0-based lines and 0-based code-point
;; columns.
;;
;; Usage (the test runs it):
;;   TEXT_ANALYTICS_LS_COMMAND='["node","dist/server.js","--stdio"]' \
;;   TEXT_ANALYTICS_LS_MODELS=test/fixtures/models \
;;   emacs --batch -Q -l test/editors/eglot.el DOCUMENT OUTPUT.json
;; TEXT_ANALYTICS_EDITOR_TIMEOUT_MS bounds each wait (default 20000).

;;; Code:

(require 'package)
;; -Q skips Debian's startup files, which are what activate the packages elpa-eglot installs.
(add-to-list 'package-directory-list "/usr/share/emacs/site-lisp/elpa")
(package-initialize)
(require 'cl-lib)
(require 'eglot)
(require 'flymake)
(require 'json)

(defvar ta-document (expand-file-name (nth 0 command-line-args-left)))
(defvar ta-output (expand-file-name (nth 1 command-line-args-left)))
;; The arguments are this script's, not files for Emacs to visit after it.
(setq command-line-args-left nil)

(defvar ta-wait-seconds
  (/ (string-to-number (or (getenv "TEXT_ANALYTICS_EDITOR_TIMEOUT_MS") "20000")) 1000.0))
(defconst ta-settle-seconds 0.75)
(defvar ta-seen (list :editor "eglot"
                      :version (format "emacs %s, eglot %s" emacs-version
                                       (package-version-join
                                        (package-desc-version (cadr (assq 'eglot package-alist)))))
                      :positions "lines and code-point columns, both 0-based"))
(defvar ta-step "starting")

(defun ta-put (key value) (setq ta-seen (plist-put ta-seen key value)))

(defun ta-finish (code)
  "Write what was seen to the output file and exit with CODE."
  (with-temp-file ta-output
    (set-buffer-file-coding-system 'utf-8-unix)
    (insert (json-serialize ta-seen :null-object nil :false-object :json-false)))
  ;; Stop the server without waiting for it: the test kills whatever is left.
  (dolist (process (process-list)) (ignore-errors (delete-process process)))
  (kill-emacs code))

;; A last bound on the whole run, in case a step waits somewhere this script does not expect.
(run-at-time (* 6 ta-wait-seconds) nil
             (lambda ()
               (ta-put :error (format "the whole run took more than %s s (last step: %s)"
                                      (* 6 ta-wait-seconds) ta-step))
               (ta-finish 3)))

(defun ta-wait-for (what condition)
  "Process events until CONDITION returns non-nil.
Fail naming WHAT once `ta-wait-seconds' have passed."
  (let ((deadline (+ (float-time) ta-wait-seconds)) value)
    (while (and (not (setq value (funcall condition))) (< (float-time) deadline))
      (accept-process-output nil 0.02))
    (or value (error "No %s within %s s" what ta-wait-seconds))))

(defun ta-text () (buffer-substring-no-properties (point-min) (point-max)))

(defun ta-diagnostic-code (diagnostic)
  (plist-get (cdr (assoc 'eglot-lsp-diag (eglot--diag-data diagnostic))) :code))

(defun ta-position (point)
  "POINT as a 0-based line and a 0-based column in characters."
  (save-excursion
    (goto-char point)
    (list (1- (line-number-at-pos point)) (- point (line-beginning-position)))))

(defun ta-run ()
  (let* ((command (append (json-parse-string (or (getenv "TEXT_ANALYTICS_LS_COMMAND") "null")) nil))
         (models (getenv "TEXT_ANALYTICS_LS_MODELS"))
         server email name)
    (unless (and command (cl-every #'stringp command))
      (error "TEXT_ANALYTICS_LS_COMMAND must be a JSON array: the server command and its arguments"))
    (let ((coding-system-for-read 'utf-8)) (find-file ta-document))
    (text-mode)
    (buffer-enable-undo)
    (ta-put :original (ta-text))

    (setq ta-step "initialize")
    ;; Answered to the server's workspace/configuration requests (section `textAnalytics').
    (setq-default eglot-workspace-configuration
                  `(:textAnalytics (:server (:modelsDir ,models))))
    (setq eglot-sync-connect t
          ;; A server that dies must fail the run, not be restarted behind it.
          eglot-autoreconnect nil
          eglot-connect-timeout ta-wait-seconds
          ;; Server-initiated edits (workspace/applyEdit) would otherwise ask y-or-n-p on stdin.
          eglot-confirm-server-initiated-edits nil
          jsonrpc-default-request-timeout ta-wait-seconds)
    (eglot '(text-mode) (cons 'transient (file-name-directory ta-document))
           'eglot-lsp-server command "plaintext")
    (setq server (or (eglot-current-server) (error "eglot started no server for %s" ta-document)))

    (setq ta-step "diagnostics")
    (flymake-mode 1)
    ;; The first diagnostics, then none newer for a moment: a server may publish again as its
    ;; analysis ends, and what the user is left with is the last.
    (let ((diagnostics nil) (published nil) (since nil))
      (ta-wait-for (format "personal-data diagnostics (then none newer for %s s)" ta-settle-seconds)
                   (lambda ()
                     ;; Batch Emacs has no command loop to start Flymake; eglot's backend hands
                     ;; it the diagnostics the server has published last.
                     (flymake-start nil t)
                     (let ((now (mapcar (lambda (d) (list (flymake-diagnostic-beg d)
                                                          (flymake-diagnostic-end d)
                                                          (flymake-diagnostic-text d)))
                                        (flymake-diagnostics))))
                       (unless (equal now published)
                         (setq published now diagnostics (flymake-diagnostics) since (float-time))))
                     (and diagnostics (>= (- (float-time) since) ta-settle-seconds))))
      (setq diagnostics (sort diagnostics (lambda (a b) (< (flymake-diagnostic-beg a)
                                                            (flymake-diagnostic-beg b)))))
      (ta-put :diagnostics
              (vconcat
               (mapcar (lambda (d)
                         (let ((start (ta-position (flymake-diagnostic-beg d)))
                               (end (ta-position (flymake-diagnostic-end d))))
                           (list :line (car start) :col (cadr start)
                                 :endLine (car end) :endCol (cadr end)
                                 :code (ta-diagnostic-code d)
                                 :type (symbol-name (flymake-diagnostic-type d))
                                 :message (flymake-diagnostic-text d))))
                       diagnostics)))
      (setq email (or (cl-find "EMAIL_ADDRESS" diagnostics :key #'ta-diagnostic-code :test #'equal)
                      (error "No EMAIL_ADDRESS among the diagnostics")))
      (setq name (or (cl-find "PERSON" diagnostics :key #'ta-diagnostic-code :test #'equal)
                     (error "No PERSON among the diagnostics"))))

    (setq ta-step "hover")
    ;; Point one character into the name, as a user pointing at it would be.
    (goto-char (1+ (flymake-diagnostic-beg name)))
    (let ((hover (jsonrpc-request server :textDocument/hover (eglot--TextDocumentPositionParams))))
      (ta-put :hover (and hover (substring-no-properties
                                 (eglot--hover-info (plist-get hover :contents))))))

    (setq ta-step "textAnalytics.sentiment")
    (ta-put :sentiment (eglot-execute-command server 'textAnalytics.sentiment
                                              (vector (eglot--path-to-uri ta-document) eglot--{})))

    (setq ta-step "code action")
    (let* ((actions (eglot-code-actions (flymake-diagnostic-beg email) (flymake-diagnostic-end email)))
           (redact (or (cl-find-if (lambda (a) (string-prefix-p "Redact" (plist-get a :title))) actions)
                       (error "No \"Redact ...\" code action on the e-mail address (offered: %s)"
                              (mapconcat (lambda (a) (plist-get a :title)) actions "; "))))
           (before (ta-text)))
      (ta-put :codeActions (vconcat (mapcar (lambda (a) (plist-get a :title)) actions)))
      (ta-put :redactAction (plist-get redact :title))
      (undo-boundary)
      ;; What `eglot-code-actions' does with the action a user picks.
      (eglot--dcase redact
        (((Command) command arguments)
         (eglot-execute-command server (intern command) arguments))
        (((CodeAction) edit command)
         (when edit (eglot--apply-workspace-edit edit))
         (when command
           (eglot--dbind ((Command) command arguments) command
             (eglot-execute-command server (intern command) arguments)))))
      (ta-wait-for "change to the buffer after the redaction"
                   (lambda () (not (equal (ta-text) before))))
      (ta-put :redacted (ta-text)))

    (setq ta-step "undo")
    (undo-boundary)
    (let ((last-command nil)) (undo))
    (ta-put :undone (ta-text))
    (ta-put :modifiedAfterUndo (if (buffer-modified-p) t :json-false))

    (setq ta-step "shutdown")
    (eglot-shutdown server nil ta-wait-seconds)
    (ta-wait-for "end of the server after shutdown and exit"
                 (lambda () (not (process-live-p (jsonrpc--process server)))))))

(condition-case failure
    (progn (ta-run) (ta-finish 0))
  (error (ta-put :error (format "%s: %s" ta-step (error-message-string failure)))
         (ta-finish 1)))

;;; eglot.el ends here
